"""Templated near-misses (must never hit each other) and true paraphrases (should hit), by task kind.

The near-misses are built the way notebooks call LLMs in loops: one template, different filled-in values.
Each pair shares most of its words and embeds close together, yet needs a different answer.
"""

from __future__ import annotations

from itertools import combinations


def _fills(kind: str, template: str, values: list[str]) -> list[tuple[str, str, str]]:
    """Every pair of prompts made from ``template`` with two different ``values``."""
    return [(kind, template.format(a), template.format(b)) for a, b in combinations(values, 2)]


REVIEWS = [
    "The food was delicious and the staff were friendly.",
    "The food was cold and the staff were rude.",
    "Great battery life, but the screen scratches easily.",
    "I loved the plot and the acting was superb.",
    "The plot was dull and the acting was wooden.",
]
DOCUMENTS = [
    "The central bank raised interest rates by a quarter point, citing persistent inflation in services.",
    "The central bank held interest rates steady, citing a slowdown in hiring and weaker consumer demand.",
    "Researchers trained a small language model on synthetic data and matched a larger model on reasoning tasks.",
    "The city council approved a new bike lane network after months of debate with local shop owners.",
]
SNIPPETS = [
    "Alice Martin met Bob Chen in Paris on 3 May to sign the contract.",
    "Carla Rossi met David Okafor in Lagos on 3 May to sign the contract.",
    "Please contact Maria Lopez at maria.lopez@example.com about the invoice.",
    "Please contact John Smith at john.smith@example.org about the invoice.",
]
LANGUAGES = ["French", "German", "Spanish", "Japanese", "Italian"]
FUNCTION_NAMES = ["parse_date", "format_date", "validate_email", "normalise_path"]

NEAR_MISSES: list[tuple[str, str, str]] = [
    # classification of different inputs
    *_fills("classification", "Classify the sentiment of this review as positive or negative: {}", REVIEWS),
    *_fills("classification", "Is the following review positive or negative?\n{}", REVIEWS[:3]),
    *_fills(
        "classification",
        "Label the topic of this headline (sports, politics or tech): {}",
        [
            "Local team wins the championship after extra time",
            "Local team loses the championship after extra time",
            "Parliament passes the new budget after a long night",
        ],
    ),
    ("classification", "Is this email spam? 'You won a free cruise!'", "Is this email spam? 'Your invoice is attached'"),
    # arithmetic and numbers
    *_fills("arithmetic", "What is {}?", ["17 + 25", "17 + 26", "18 + 25", "17 * 25", "17 - 25"]),
    *_fills("arithmetic", "Compute {} and explain each step.", ["12% of 250", "15% of 250", "12% of 300"]),
    ("arithmetic", "What is two plus three?", "What is two plus four?"),
    ("arithmetic", "Convert 5 miles to kilometres.", "Convert 8 miles to kilometres."),
    ("arithmetic", "How many days are there between 3 March 2024 and 9 April 2024?",
     "How many days are there between 3 March 2024 and 19 April 2024?"),
    ("arithmetic", "Round 3.14159 to two decimal places.", "Round 2.71828 to two decimal places."),
    ("arithmetic", "What is the square root of 144?", "What is the square root of 169?"),
    # translation into different languages, or of different texts
    *_fills("translation", "Translate into {}: Good morning, how are you today?", LANGUAGES),
    *_fills("translation", "Translate the following sentence to {}.\nThe meeting is postponed until Friday.",
            LANGUAGES[:3]),
    ("translation", "Translate 'I love cats' into French.", "Translate 'I love dogs' into French."),
    ("translation", "How do you say thank you in Japanese?", "How do you say thank you in Korean?"),
    ("translation", "Translate into German: The train leaves at noon.", "Translate into German: The train arrives at noon."),
    # extraction from different texts
    *_fills("extraction", "Extract every person's name from the following text: {}", SNIPPETS[:2]),
    *_fills("extraction", "Extract the email address from this message:\n{}", SNIPPETS[2:]),
    *_fills("extraction", "List the dates mentioned in: {}", [
        "The launch moved from 4 June to 18 June.",
        "The launch moved from 4 July to 18 August.",
    ]),
    # summarisation of different documents
    *[("summarisation", f"Summarise document {i}: {a}", f"Summarise document {j}: {b}")
      for (i, a), (j, b) in combinations(enumerate(DOCUMENTS, 1), 2)],
    *_fills("summarisation", "Summarize the following article in one sentence:\n{}", DOCUMENTS),
    ("summarisation", "Summarise the plot of Hamlet in three sentences.", "Summarise the plot of Macbeth in three sentences."),
    ("summarisation", "Give me a short summary of the French Revolution.", "Give me a short summary of the Russian Revolution."),
    # code for different names, languages or inputs
    *_fills("code", "Write a Python function named {} with type hints and a docstring.", FUNCTION_NAMES),
    *_fills("code", "Write a function in {} that reverses a string.", ["Python", "Rust", "JavaScript", "Go"]),
    ("code", "Write a SQL query that returns all users older than 30.", "Write a SQL query that returns all users older than 40."),
    ("code", "Explain what this code does:\n```python\nprint(sum(range(10)))\n```",
     "Explain what this code does:\n```python\nprint(max(range(10)))\n```"),
    ("code", "Fix the bug in `def add(a, b): return a - b`", "Fix the bug in `def mul(a, b): return a + b`"),
    ("code", "What does the `git rebase` command do?", "What does the `git merge` command do?"),
    ("code", "Rename the variable user_id to account_id in this snippet.", "Rename the variable user_id to customer_id in this snippet."),
    # question answering about different named things
    ("entity", "What is the capital of France?", "What is the capital of Spain?"),
    ("entity", "Who wrote Pride and Prejudice?", "Who wrote Sense and Sensibility?"),
    ("entity", "Tell me about the history of Berlin.", "Tell me about the history of Munich."),
    ("entity", "Draft a polite email to Alice declining the meeting.", "Draft a polite email to Bob declining the meeting."),
    ("entity", "What is the population of Canada in 2020?", "What is the population of Canada in 2010?"),
    # the same names or question, turned around
    ("order", "Translate this sentence from English to French: the shop opens at nine.",
     "Translate this sentence from French to English: the shop opens at nine."),
    ("order", "Convert 100 USD to EUR at today's rate.", "Convert 100 EUR to USD at today's rate."),
    ("order", "Why did Rome defeat Carthage?", "Why did Carthage defeat Rome?"),
    ("question", "When was the printing press invented?", "Why was the printing press invented?"),
    ("question", "Why do cats purr?", "How do cats purr?"),
    # one or two words swapped in an otherwise identical prompt
    ("slot", "Write a limerick about a cat.", "Write a limerick about a dog."),
    ("slot", "Give me a recipe for chocolate cake.", "Give me a recipe for carrot cake."),
    ("slot", "What are the health benefits of green tea?", "What are the health benefits of black tea?"),
    ("slot", "Explain how a car engine works.", "Explain how a jet engine works."),
    ("slot", "List five facts about lions.", "List five facts about tigers."),
    ("slot", "Write a function that sorts a list in ascending order.",
     "Write a function that sorts a list in descending order."),
    ("slot", "Write a Python function that checks whether a number is prime.",
     "Write a Python function that checks whether a number is even."),
    ("slot", "What is the boiling point of water?", "What is the freezing point of water?"),
    ("slot", "What is the difference between a list and a tuple?", "What is the difference between a list and a set?"),
    ("slot", "Describe the symptoms of the flu.", "Describe the symptoms of a cold."),
    ("slot", "How do I center a div horizontally?", "How do I center a div vertically?"),
    ("slot", "What rhymes with orange?", "What rhymes with purple?"),
    ("slot", "Is a tomato a fruit or a vegetable?", "Is a cucumber a fruit or a vegetable?"),
    ("slot", "Who was the first president of Kenya?", "Who was the second president of Kenya?"),
    ("slot", "Explain recursion to a beginner.", "Explain recursion to an expert."),
    ("slot", "Write a SQL query to find duplicate emails in the users table.",
     "Write a SQL query to find duplicate phone numbers in the users table."),
    ("slot", "What's the weather usually like in Lisbon in March?",
     "What's the weather usually like in Lisbon in November?"),
    ("classification", "Rewrite this sentence in a formal tone: hey, can u send me the file?",
     "Rewrite this sentence in a formal tone: yo, where is the report?"),
    ("code", "Write unit tests for the function below.\ndef add(a, b): return a + b",
     "Write unit tests for the function below.\ndef sub(a, b): return a - b"),
    ("arithmetic", "What does HTTP status code 404 mean?", "What does HTTP status code 500 mean?"),
    ("arithmetic", "Sort these numbers: 5, 3, 9, 1", "Sort these numbers: 8, 2, 7, 4"),
    ("translation", "Translate 'good night' to Portuguese.", "Translate 'good night' to Dutch."),
    ("classification", "Is the sentence 'She don't like apples' grammatically correct?",
     "Is the sentence 'She doesn't like apples' grammatically correct?"),
    # negation
    ("negation", "Is it safe to eat raw eggs?", "Is it not safe to eat raw eggs?"),
    ("negation", "List the countries that are in the European Union.", "List the countries that are not in the European Union."),
    ("negation", "Write a regex that matches lines containing 'error'.", "Write a regex that matches lines not containing 'error'."),
    ("negation", "Why does my code compile?", "Why doesn't my code compile?"),
    ("negation", "Which of these animals can fly: penguin, eagle, bat?", "Which of these animals cannot fly: penguin, eagle, bat?"),
]  # fmt: skip

PARAPHRASES: list[tuple[str, str, str]] = [
    ("classification", "Classify the sentiment of this review as positive or negative: " + REVIEWS[0],
     "Is this review positive or negative: " + REVIEWS[0]),
    ("arithmetic", "What is 17 + 25?", "What's 17 + 25?"),
    ("arithmetic", "Convert 5 miles to kilometres.", "Please convert 5 miles into kilometres."),
    ("translation", "Translate into French: Good morning, how are you today?",
     "Please translate into French: Good morning, how are you today?"),
    ("translation", "How do you say thank you in Japanese?", "How would you say thank you in Japanese?"),
    ("extraction", "Extract every person's name from the following text: " + SNIPPETS[0],
     "Extract all names of people from the following text: " + SNIPPETS[0]),
    ("summarisation", "Summarize the following article in one sentence:\n" + DOCUMENTS[0],
     "Summarise the following article in a single sentence:\n" + DOCUMENTS[0]),
    ("summarisation", "Summarise the plot of Hamlet in three sentences.", "Summarize Hamlet's plot in three sentences."),
    ("code", "Write a Python function named parse_date with type hints and a docstring.",
     "Write a Python function called parse_date, with a docstring and type hints."),
    ("code", "What does the `git rebase` command do?", "What is the `git rebase` command for?"),
    ("entity", "What is the capital of France?", "What's the capital city of France?"),
    ("entity", "Who wrote Pride and Prejudice?", "Who is the author of Pride and Prejudice?"),
    ("question", "How do I learn Python quickly?", "What is the fastest way to learn Python?"),
    ("question", "What are the benefits of unit testing?", "Why is unit testing beneficial?"),
    ("question", "How can I reduce the memory usage of a pandas DataFrame?",
     "How do I make a pandas DataFrame use less memory?"),
    ("negation", "Why doesn't my code compile?", "Why does my code not compile?"),
]  # fmt: skip
