"""Blind evaluation set for the semantic cache.

This module holds an independent set of prompt pairs for checking semantic-cache
behaviour. A separate author wrote it *blind*: they did not look at the project's
guard rules or at the existing semantic-quality cases, so it shares no
assumptions with them.

* ``BLIND_NEAR_MISSES``: pairs made from the same template with different values
  filled in, so the correct answers differ. The cache must NOT answer one prompt
  with the other's stored answer.
* ``BLIND_PARAPHRASES``: pairs where the second prompt rewords the first but keeps
  the same meaning and the same answer. The cache SHOULD reuse the answer.

Each entry is ``(kind, prompt_a, prompt_b)``.
"""

from __future__ import annotations

_ARTICLE_A = (
    "City officials announced on Monday that the downtown tram line will close for "
    "six months starting in April to replace worn-out tracks. Buses will run along "
    "the same route every ten minutes, and the council expects the work to cost "
    "about 40 million euros."
)
_ARTICLE_B = (
    "The regional hospital opened a new maternity wing on Friday, adding 60 beds "
    "and two operating theatres. Staff say waiting times for scheduled births should "
    "fall by half, and the project was funded by a national health grant of 25 "
    "million euros."
)
_ABSTRACT_A = (
    "We present a CRISPR-Cas9 screen across 18 human cell lines identifying 312 "
    "genes essential for proliferation under hypoxia. Knockout of the top hits "
    "reduced tumour growth in mouse xenografts by up to 70 percent."
)
_ABSTRACT_B = (
    "We report new weak-lensing measurements of 1,200 galaxy clusters that constrain "
    "the self-interaction cross-section of dark matter to below 0.5 square "
    "centimetres per gram, ruling out several popular models."
)
_TRANSCRIPT_A = (
    "Anna: We are two weeks behind on the mobile app. Ben: The login bug is fixed, "
    "but payments still fail on Android. Anna: Then we delay the launch to June and "
    "Ben owns the payment fix."
)
_TRANSCRIPT_B = (
    "Carlos: Marketing spend is over budget by 15 percent. Dana: The spring campaign "
    "brought fewer leads than expected. Carlos: We pause paid search until Q3 and "
    "Dana reviews the agency contract."
)
_EMAIL_A = (
    "Hi all, the office will be closed on Friday for electrical maintenance. Please "
    "work from home and make sure your laptops are charged. The building reopens "
    "Monday at 8am. Thanks, Facilities"
)
_EMAIL_B = (
    "Hi all, our quarterly all-hands has moved from Thursday to next Tuesday at 2pm "
    "in the main auditorium. Lunch will be provided, so please RSVP by Friday. "
    "Thanks, HR"
)
_COMPLAINT_A = (
    "I ordered a blue sofa three weeks ago, it arrived grey with a torn cushion, and "
    "nobody has answered my three emails. I want a full refund."
)
_COMPLAINT_B = (
    "My internet has dropped out every evening for a week, the technician never "
    "showed up for the appointment, and I am still being billed full price."
)
_REVIEW = (
    "The hotel was in a great location right by the beach and the staff were "
    "friendly, but the room was tiny, the air conditioning was loud, and breakfast "
    "was overpriced."
)
_PARAGRAPH = (
    "Bees pollinate a third of the crops we eat. Their numbers have fallen sharply "
    "in the last two decades. Pesticides, habitat loss and disease are the main "
    "causes. Some countries have now banned neonicotinoids."
)

BLIND_NEAR_MISSES: list[tuple[str, str, str]] = [
    # ------------------------------------------------------------------ classification
    (
        "classification",
        "Is the sentiment of this review positive or negative? "
        "'The battery lasts all day and the screen is gorgeous.'",
        "Is the sentiment of this review positive or negative? "
        "'The battery dies by noon and the screen is dim.'",
    ),
    (
        "classification",
        "Classify the following email as spam or not spam: "
        "'Congratulations, you have won a free cruise! Click here to claim.'",
        "Classify the following email as spam or not spam: 'Hi team, the meeting is moved to 3pm tomorrow.'",
    ),
    (
        "classification",
        "Label the topic of this headline as sports, politics, or technology: "
        "'Senate passes new budget bill'",
        "Label the topic of this headline as sports, politics, or technology: "
        "'Striker scores hat-trick in cup final'",
    ),
    (
        "classification",
        "Is a tomato a fruit or a vegetable?",
        "Is a potato a fruit or a vegetable?",
    ),
    (
        "classification",
        "Classify the animal 'dolphin' as mammal, reptile, bird, or fish.",
        "Classify the animal 'crocodile' as mammal, reptile, bird, or fish.",
    ),
    (
        "classification",
        "Is this tweet sarcastic? 'Oh great, another Monday. Just what I needed.'",
        "Is this tweet sarcastic? 'So happy to see my family this weekend.'",
    ),
    (
        "classification",
        "Which language is this sentence written in: 'Ich habe heute keine Zeit.'",
        "Which language is this sentence written in: 'Hoy no tengo tiempo.'",
    ),
    (
        "classification",
        "Rate the toxicity of this comment from 1 to 5: 'You are an idiot and nobody here likes you.'",
        "Rate the toxicity of this comment from 1 to 5: 'I disagree, but I can see your point.'",
    ),
    (
        "classification",
        "Is the following sentence grammatically correct? 'She don't like apples.'",
        "Is the following sentence grammatically correct? 'She doesn't like apples.'",
    ),
    (
        "classification",
        "Route this customer request to billing, shipping, or technical support: 'My package never arrived.'",
        "Route this customer request to billing, shipping, or technical support: "
        "'I was charged twice this month.'",
    ),
    (
        "classification",
        "True or false: 'The Great Wall of China is visible from the Moon with the naked eye.'",
        "True or false: 'Water boils at 100 degrees Celsius at sea level.'",
    ),
    (
        "classification",
        "What is the part of speech of the word 'quickly' in 'She ran quickly'?",
        "What is the part of speech of the word 'ran' in 'She ran quickly'?",
    ),
    (
        "classification",
        "Given this clinical note, classify the patient's cardiac risk as low, medium, "
        "or high: 'Patient is a 45-year-old non-smoker with normal blood pressure, "
        "regular exercise and no family history of heart disease.'",
        "Given this clinical note, classify the patient's cardiac risk as low, medium, "
        "or high: 'Patient is a 45-year-old smoker with high blood pressure, "
        "regular exercise and no family history of heart disease.'",
    ),
    # ------------------------------------------------------------------ arithmetic
    ("arithmetic", "What is 17 times 23?", "What is 17 times 32?"),
    ("arithmetic", "What is 15% of 240?", "What is 15% of 420?"),
    ("arithmetic", "What is the square root of 144?", "What is the square root of 169?"),
    ("arithmetic", "Compute 2 to the power of 10.", "Compute 2 to the power of 12."),
    ("arithmetic", "What is 48 plus 75?", "What is 48 minus 75?"),
    (
        "arithmetic",
        "Find the derivative of x^3 + 2x with respect to x.",
        "Find the integral of x^3 + 2x with respect to x.",
    ),
    (
        "arithmetic",
        "How many days are there between March 3, 2024 and June 18, 2024?",
        "How many days are there between March 3, 2024 and July 18, 2024?",
    ),
    ("arithmetic", "Solve for x: 3x + 7 = 22.", "Solve for x: 3x - 7 = 22."),
    ("arithmetic", "What is the factorial of 6?", "What is the factorial of 7?"),
    (
        "arithmetic",
        "A shirt costs $40 and is discounted by 25%. What is the final price?",
        "A shirt costs $40 and is discounted by 35%. What is the final price?",
    ),
    (
        "arithmetic",
        "Compute the mean of these numbers: 4, 8, 15, 16, 23, 42.",
        "Compute the median of these numbers: 4, 8, 15, 16, 23, 42.",
    ),
    (
        "arithmetic",
        "What is the greatest common divisor of 84 and 126?",
        "What is the least common multiple of 84 and 126?",
    ),
    (
        "arithmetic",
        "What is 3.14159 rounded to two decimal places?",
        "What is 3.14159 rounded to four decimal places?",
    ),
    # ------------------------------------------------------------------ translation
    (
        "translation",
        "Translate 'Where is the train station?' into French.",
        "Translate 'Where is the train station?' into German.",
    ),
    (
        "translation",
        "Translate 'Good morning, how are you?' into spanish.",
        "Translate 'Good morning, how are you?' into italian.",
    ),
    (
        "translation",
        "How do you say 'thank you very much' in Japanese?",
        "How do you say 'you're welcome' in Japanese?",
    ),
    (
        "translation",
        "Translate this sentence from French to English: 'Le chat dort sur le canapé.'",
        "Translate this sentence from French to English: 'Le chien dort sur le canapé.'",
    ),
    ("translation", "What is the Korean word for 'apple'?", "What is the Korean word for 'pear'?"),
    (
        "translation",
        "Translate 'Can you help me?' into formal German.",
        "Translate 'Can you help me?' into informal German.",
    ),
    (
        "translation",
        "How do you say 'open the window' in Dutch?",
        "How do you say 'close the window' in Dutch?",
    ),
    (
        "translation",
        "How would you say 'happy birthday' in Mandarin Chinese?",
        "How would you say 'happy birthday' in Arabic?",
    ),
    (
        "translation",
        "What is the Spanish word for 'library'?",
        "What is the Spanish word for 'bookstore'?",
    ),
    (
        "translation",
        "Translate 'I have two brothers and one sister' into Italian.",
        "Translate 'I have one brother and two sisters' into Italian.",
    ),
    ("translation", "What does 'carpe diem' mean in English?", "What does 'memento mori' mean in English?"),
    (
        "translation",
        "Translate 'See you next Tuesday at the office' into Swedish.",
        "Translate 'See you next Thursday at the office' into Swedish.",
    ),
    (
        "translation",
        "Translate the following paragraph into Portuguese: " + _ARTICLE_A,
        "Translate the following paragraph into Portuguese: " + _ARTICLE_B,
    ),
    # ------------------------------------------------------------------ extraction
    (
        "extraction",
        "Extract all email addresses from this text: "
        "'Contact alice@example.com or bob@test.org for details.'",
        "Extract all email addresses from this text: "
        "'Write to carol@sample.net or support@shop.io for details.'",
    ),
    (
        "extraction",
        "Extract the dates mentioned in: 'The contract starts on 1 March 2023 and ends on 28 February 2025.'",
        "Extract the dates mentioned in: 'The contract starts on 15 July 2022 and ends on 14 July 2024.'",
    ),
    (
        "extraction",
        "What is the total due on this invoice? 'Invoice #4471, 3 items, shipping "
        "included. Total due: $1,250.00 by 30 June.'",
        "What is the total due on this invoice? 'Invoice #4471, 3 items, shipping "
        "included. Total due: $1,520.00 by 30 June.'",
    ),
    (
        "extraction",
        "List the people named in this sentence: 'Maria met John and Priya at the conference.'",
        "List the people named in this sentence: 'Ahmed met Lena and Tom at the conference.'",
    ),
    (
        "extraction",
        "Extract the phone number from: 'Call us at 555-0123 during business hours.'",
        "Extract the phone number from: 'Call us at 555-0198 during business hours.'",
    ),
    (
        "extraction",
        "Pull out the company names from this headline: 'Apple and Microsoft announce a joint AI venture.'",
        "Pull out the company names from this headline: 'Google and Amazon announce a joint AI venture.'",
    ),
    (
        "extraction",
        "Who is the author in this citation? "
        "'Smith, J. (2019). Deep learning for proteins. Nature, 12(3), 45-67.'",
        "Who is the author in this citation? "
        "'Garcia, M. (2019). Deep learning for proteins. Nature, 12(3), 45-67.'",
    ),
    (
        "extraction",
        "Extract the first sentence of this paragraph: " + _PARAGRAPH,
        "Extract the last sentence of this paragraph: " + _PARAGRAPH,
    ),
    (
        "extraction",
        "From the following JSON, what is the value of the 'city' field? "
        '{"name": "Ana", "city": "Lisbon", "zip": "1000-001"}',
        "From the following JSON, what is the value of the 'zip' field? "
        '{"name": "Ana", "city": "Lisbon", "zip": "1000-001"}',
    ),
    (
        "extraction",
        "Extract all hashtags from this tweet: 'Loving the sunshine today #summer #beach'",
        "Extract all hashtags from this tweet: 'Cozy evening with tea and a book #autumn #reading'",
    ),
    (
        "extraction",
        "Find the ISBN in this text: 'ISBN 978-0-306-40615-7, first edition, hardcover.'",
        "Find the ISBN in this text: 'ISBN 978-1-86197-876-9, first edition, hardcover.'",
    ),
    (
        "extraction",
        "What is the third item in this shopping list: apples, bread, milk, eggs, butter?",
        "What is the fourth item in this shopping list: apples, bread, milk, eggs, butter?",
    ),
    (
        "extraction",
        "Extract the ingredients from this recipe: 'Whisk two eggs with 100 g of flour, "
        "add 200 ml of milk and a pinch of salt, then fry in butter.'",
        "Extract the ingredients from this recipe: 'Mix 300 g of rice with a chopped "
        "onion, add 1 litre of stock and some saffron, then simmer.'",
    ),
    # ------------------------------------------------------------------ summarisation
    (
        "summarisation",
        "Summarise the following article in one sentence: " + _ARTICLE_A,
        "Summarise the following article in one sentence: " + _ARTICLE_B,
    ),
    (
        "summarisation",
        "What happens in Hamlet, in 50 words?",
        "What happens in Macbeth, in 50 words?",
    ),
    (
        "summarisation",
        "Summarise this abstract for a general audience: " + _ABSTRACT_A,
        "Summarise this abstract for a general audience: " + _ABSTRACT_B,
    ),
    (
        "summarisation",
        "What are the main decisions in this meeting transcript? " + _TRANSCRIPT_A,
        "What are the main decisions in this meeting transcript? " + _TRANSCRIPT_B,
    ),
    (
        "summarisation",
        "Give me a TL;DR of this email: " + _EMAIL_A,
        "Give me a TL;DR of this email: " + _EMAIL_B,
    ),
    (
        "summarisation",
        "Summarise the following hotel review, focusing on the negatives: " + _REVIEW,
        "Summarise the following hotel review, focusing on the positives: " + _REVIEW,
    ),
    (
        "summarisation",
        "What are the key contributions of the paper 'Attention Is All You Need'?",
        "What are the key contributions of the paper 'Deep Residual Learning for Image Recognition'?",
    ),
    (
        "summarisation",
        "Summarise the first chapter of Pride and Prejudice.",
        "Summarise the second chapter of Pride and Prejudice.",
    ),
    (
        "summarisation",
        "Summarise this paragraph in three bullet points: " + _PARAGRAPH,
        "Summarise this paragraph in one bullet point: " + _PARAGRAPH,
    ),
    (
        "summarisation",
        "Summarise this earnings note: 'Quarterly revenue rose 12% to $4.2 billion, "
        "driven by cloud sales, while operating costs fell 3% and the company raised "
        "its full-year outlook.'",
        "Summarise this earnings note: 'Quarterly revenue fell 12% to $4.2 billion, "
        "driven by cloud sales, while operating costs fell 3% and the company raised "
        "its full-year outlook.'",
    ),
    (
        "summarisation",
        "What is the gist of this customer complaint? " + _COMPLAINT_A,
        "What is the gist of this customer complaint? " + _COMPLAINT_B,
    ),
    (
        "summarisation",
        "Condense this into a headline: 'Scientists have discovered a new species of "
        "tree frog in the Amazon rainforest that glows under ultraviolet light.'",
        "Condense this into a headline: 'Scientists have discovered a new species of "
        "beetle in the Sahara desert that glows under ultraviolet light.'",
    ),
    (
        "summarisation",
        "Summarise this news story in French: " + _ARTICLE_A,
        "Summarise this news story in English: " + _ARTICLE_A,
    ),
    # ------------------------------------------------------------------ code
    (
        "code",
        "Write a Python function that reverses a string.",
        "Write a Python function that reverses a linked list.",
    ),
    (
        "code",
        "How do I sort a dictionary by value in Python?",
        "How do I sort a dictionary by key in Python?",
    ),
    (
        "code",
        "Write a Python function to encrypt a message with a Caesar cipher.",
        "Write a Python function to decrypt a message with a Caesar cipher.",
    ),
    (
        "code",
        "What does this code print? `print(sum(range(5)))`",
        "What does this code print? `print(sum(range(6)))`",
    ),
    (
        "code",
        "Fix the bug in this function: `def add(a, b): return a - b`",
        "Fix the bug in this function: `def mul(a, b): return a + b`",
    ),
    (
        "code",
        "Write a SQL query to find the top 5 customers by total order value.",
        "Write a SQL query to find the top 5 customers by number of orders.",
    ),
    ("code", "How do I read a CSV file in pandas?", "How do I write a CSV file in pandas?"),
    (
        "code",
        "Convert this Python code to JavaScript: `nums = [x * 2 for x in range(10) if x % 2]`",
        "Convert this Python code to Rust: `nums = [x * 2 for x in range(10) if x % 2]`",
    ),
    (
        "code",
        "Write a regular expression that matches a US ZIP code.",
        "Write a regular expression that matches a UK postcode.",
    ),
    (
        "code",
        "Explain what this line does: `df.groupby('country')['sales'].sum()`",
        "Explain what this line does: `df.groupby('country')['sales'].nunique()`",
    ),
    (
        "code",
        "Write a bash command to count the lines in all .py files in a directory.",
        "Write a bash command to delete all .py files in a directory.",
    ),
    (
        "code",
        "How do I remove duplicates from a list in Python while preserving order?",
        "How do I remove duplicates from an array in JavaScript while preserving order?",
    ),
    (
        "code",
        "What is the time complexity of binary search?",
        "What is the time complexity of bubble sort?",
    ),
    (
        "code",
        "Write a pytest test for a function `is_palindrome(s)` that checks the input 'racecar'.",
        "Write a pytest test for a function `is_anagram(a, b)` that checks the inputs 'listen' and 'silent'.",
    ),
    # ------------------------------------------------------------------ qa-entity
    ("qa-entity", "What is the capital of Australia?", "What is the capital of Austria?"),
    ("qa-entity", "Who wrote the novel 1984?", "Who wrote the novel Dune?"),
    ("qa-entity", "When was Marie Curie born?", "When was Isaac Newton born?"),
    ("qa-entity", "What is the population of tokyo?", "What is the population of osaka?"),
    ("qa-entity", "What is the chemical symbol for gold?", "What is the chemical symbol for silver?"),
    ("qa-entity", "Who painted the Mona Lisa?", "Who painted The Starry Night?"),
    (
        "qa-entity",
        "What is the tallest mountain in Africa?",
        "What is the tallest mountain in South America?",
    ),
    ("qa-entity", "What currency is used in Switzerland?", "What currency is used in Sweden?"),
    (
        "qa-entity",
        "Who was the first president of the United States?",
        "Who was the second president of the United States?",
    ),
    ("qa-entity", "What is the boiling point of ethanol?", "What is the boiling point of methanol?"),
    ("qa-entity", "Write a short biography of Ada Lovelace.", "Write a short biography of Alan Turing."),
    ("qa-entity", "Which planet is closest to the Sun?", "Which planet is farthest from the Sun?"),
    ("qa-entity", "In what year did World War I end?", "In what year did World War II end?"),
    ("qa-entity", "What is the official language of brazil?", "What is the official language of mexico?"),
    # ------------------------------------------------------------------ qa-attribute
    ("qa-attribute", "How tall is the Eiffel Tower?", "How heavy is the Eiffel Tower?"),
    ("qa-attribute", "What is the population of Canada?", "What is the land area of Canada?"),
    ("qa-attribute", "When was Albert Einstein born?", "When did Albert Einstein die?"),
    ("qa-attribute", "What is the melting point of iron?", "What is the boiling point of iron?"),
    (
        "qa-attribute",
        "Who directed the film Inception?",
        "Who composed the score for the film Inception?",
    ),
    ("qa-attribute", "What is the atomic number of carbon?", "What is the atomic mass of carbon?"),
    (
        "qa-attribute",
        "What is the length of the Amazon River?",
        "What is the average discharge of the Amazon River?",
    ),
    ("qa-attribute", "What is the GDP of Germany?", "What is the GDP per capita of Germany?"),
    ("qa-attribute", "Tell me the birthplace of Frida Kahlo.", "Tell me the birth date of Frida Kahlo."),
    ("qa-attribute", "What is the diameter of Mars?", "What is the mass of Mars?"),
    ("qa-attribute", "Who is the current CEO of Microsoft?", "Who founded Microsoft?"),
    ("qa-attribute", "What is the top speed of a cheetah?", "What is the typical lifespan of a cheetah?"),
    (
        "qa-attribute",
        "Write a one-paragraph description of the climate of Iceland.",
        "Write a one-paragraph description of the economy of Iceland.",
    ),
    (
        "qa-attribute",
        "In which year was To Kill a Mockingbird first published?",
        "In which city is To Kill a Mockingbird set?",
    ),
    # ------------------------------------------------------------------ creative
    ("creative", "Write a poem about the sea.", "Write a poem about the desert."),
    (
        "creative",
        "Write a short story about a brave knight.",
        "Write a short story about a cowardly knight.",
    ),
    ("creative", "Compose a haiku about autumn.", "Compose a haiku about spring."),
    (
        "creative",
        "Write a limerick about a cat named Felix.",
        "Write a limerick about a dog named Rex.",
    ),
    (
        "creative",
        "Write a sad song about leaving home.",
        "Write a happy song about leaving home.",
    ),
    (
        "creative",
        "Can you write a bedtime story for a 4-year-old about a dragon?",
        "Can you write a bedtime story for a 4-year-old about a unicorn?",
    ),
    (
        "creative",
        "Write a sonnet about love in the style of Shakespeare.",
        "Write a sonnet about love in the style of Emily Dickinson.",
    ),
    (
        "creative",
        "Write a motivational speech for a football team before a cup final.",
        "Write a motivational speech for a chess team before a cup final.",
    ),
    ("creative", "What would be a good name for a bakery?", "What would be a good name for a bookshop?"),
    (
        "creative",
        "Write a product description for a stainless steel water bottle.",
        "Write a product description for a bamboo toothbrush.",
    ),
    (
        "creative",
        "Write a diary entry from the perspective of a lighthouse keeper.",
        "Write a diary entry from the perspective of an astronaut.",
    ),
    ("creative", "Do you know a good joke about programmers?", "Do you know a good joke about lawyers?"),
    (
        "creative",
        "Write a 100-word horror story set in a hospital.",
        "Write a 100-word horror story set in a school.",
    ),
    (
        "creative",
        "Write a wedding toast for my brother Tom and his wife Sara.",
        "Write a wedding toast for my sister Anna and her husband Luke.",
    ),
    # ------------------------------------------------------------------ comparison
    (
        "comparison",
        "What is the difference between a crocodile and an alligator?",
        "What is the difference between a frog and a toad?",
    ),
    (
        "comparison",
        "Compare Python and Java for web development.",
        "Compare Python and Java for mobile development.",
    ),
    ("comparison", "Which is bigger, Jupiter or Saturn?", "Which is bigger, Earth or Venus?"),
    (
        "comparison",
        "Compare the cameras of the iPhone 13 and the iPhone 14.",
        "Compare the cameras of the iPhone 14 and the iPhone 15.",
    ),
    (
        "comparison",
        "Which is heavier: a kilogram of feathers or a kilogram of steel?",
        "Which is heavier: a pound of feathers or a kilogram of steel?",
    ),
    (
        "comparison",
        "What are the pros and cons of nuclear energy compared to solar energy?",
        "What are the pros and cons of nuclear energy compared to coal?",
    ),
    ("comparison", "How do TCP and UDP differ?", "How do HTTP and HTTPS differ?"),
    (
        "comparison",
        "Which is faster on average, bubble sort or merge sort?",
        "Which is faster on average, quicksort or merge sort?",
    ),
    (
        "comparison",
        "Contrast the leadership styles of Lincoln and Churchill.",
        "Contrast the leadership styles of Lincoln and Napoleon.",
    ),
    (
        "comparison",
        "Is coffee or tea higher in caffeine per cup?",
        "Is coffee or tea higher in antioxidants per cup?",
    ),
    (
        "comparison",
        "Compare the climate of Seattle and Miami in winter.",
        "Compare the climate of Seattle and Miami in summer.",
    ),
    (
        "comparison",
        "How does a Roth IRA differ from a traditional IRA?",
        "How does a 401(k) differ from a traditional IRA?",
    ),
    (
        "comparison",
        "Which city is older, rome or athens?",
        "Which city is older, rome or paris?",
    ),
    # ------------------------------------------------------------------ conversion
    (
        "conversion",
        "Convert 100 degrees Fahrenheit to Celsius.",
        "Convert 100 degrees Celsius to Fahrenheit.",
    ),
    ("conversion", "How many kilometres are in 26.2 miles?", "How many kilometres are in 13.1 miles?"),
    ("conversion", "Convert 5 feet 10 inches to centimetres.", "Convert 5 feet 1 inch to centimetres."),
    (
        "conversion",
        "Convert the date 2024-03-07 to the format DD/MM/YYYY.",
        "Convert the date 2024-03-07 to the format MM/DD/YYYY.",
    ),
    ("conversion", "What is 255 in binary?", "What is 255 in hexadecimal?"),
    ("conversion", "How many grams are 3 cups of flour?", "How many grams are 3 cups of sugar?"),
    ("conversion", "How many ounces are in 2 pounds?", "How many ounces are in 2 kilograms?"),
    (
        "conversion",
        "What time is 14:30 UTC in Tokyo?",
        "What time is 14:30 UTC in New York?",
    ),
    (
        "conversion",
        "Convert 50 US dollars to euros at an exchange rate of 0.92.",
        "Convert 50 US dollars to euros at an exchange rate of 0.85.",
    ),
    (
        "conversion",
        "Convert this CSV to JSON: 'name,age\\nAlice,30'",
        "Convert this CSV to JSON: 'name,age\\nBob,45'",
    ),
    (
        "conversion",
        "Convert the Roman numeral MCMXCIV to an Arabic number.",
        "Convert the Roman numeral MCMLXIV to an Arabic number.",
    ),
    ("conversion", "How many seconds are in 3 hours?", "How many seconds are in 3 days?"),
    (
        "conversion",
        "Convert the string 'hello world from paris' to uppercase.",
        "Convert the string 'hello world from paris' to title case.",
    ),
    # ------------------------------------------------------------------ recipe/howto
    ("recipe/howto", "How do I make pancakes?", "How do I make waffles?"),
    (
        "recipe/howto",
        "Give me a recipe for vegan chocolate cake.",
        "Give me a recipe for gluten-free chocolate cake.",
    ),
    (
        "recipe/howto",
        "How do I change a flat tyre on a bicycle?",
        "How do I change a flat tyre on a car?",
    ),
    (
        "recipe/howto",
        "How long should I boil an egg for a runny yolk?",
        "How long should I boil an egg for a firm yolk?",
    ),
    (
        "recipe/howto",
        "Write step-by-step instructions for repotting a cactus.",
        "Write step-by-step instructions for repotting an orchid.",
    ),
    ("recipe/howto", "How do I install Python on Windows?", "How do I install Python on macOS?"),
    (
        "recipe/howto",
        "How do I remove a red wine stain from a carpet?",
        "How do I remove a candle wax stain from a carpet?",
    ),
    (
        "recipe/howto",
        "Scale this recipe from 4 servings to 12: 200 g pasta, 2 eggs, 50 g parmesan.",
        "Scale this recipe from 4 servings to 2: 200 g pasta, 2 eggs, 50 g parmesan.",
    ),
    ("recipe/howto", "How do I tie a bowline knot?", "How do I tie a clove hitch knot?"),
    (
        "recipe/howto",
        "Explain how to reset a forgotten password on Gmail.",
        "Explain how to reset a forgotten password on Outlook.",
    ),
    (
        "recipe/howto",
        "How do I cook rice in a pressure cooker?",
        "How do I cook rice in a microwave?",
    ),
    ("recipe/howto", "How do I freeze fresh basil?", "How do I dry fresh basil?"),
    (
        "recipe/howto",
        "How do I unclog a kitchen sink without chemicals?",
        "How do I unclog a toilet without chemicals?",
    ),
    (
        "recipe/howto",
        "Write instructions for proofing bread dough at room temperature.",
        "Write instructions for proofing bread dough in the fridge overnight.",
    ),
]

BLIND_PARAPHRASES: list[tuple[str, str, str]] = [
    # ------------------------------------------------------------------ classification
    (
        "classification",
        "Is this review positive or negative? 'The food was cold and bland.'",
        "Is the following review positive or negative: 'The food was cold and bland.'",
    ),
    (
        "classification",
        "Classify this email as spam or not spam: 'You've won a free iPhone, click now!'",
        "Please classify the following email as spam or not spam: 'You've won a free iPhone, click now!'",
    ),
    (
        "classification",
        "What is the sentiment of this tweet: 'I love my new phone!'",
        "What's the sentiment of this tweet: 'I love my new phone!'",
    ),
    (
        "classification",
        "Categorise this headline as sports, politics, or technology: 'Senate passes new budget bill'",
        "Categorize this headline as sports, politics, or technology: 'Senate passes new budget bill'",
    ),
    ("classification", "Is a whale a fish or a mammal?", "Is a whale a mammal or a fish?"),
    (
        "classification",
        "Tell me whether this sentence is grammatically correct: 'He go to school every day.'",
        "Is the sentence 'He go to school every day.' grammatically correct?",
    ),
    (
        "classification",
        "Determine the language of this text: 'Bonjour, je m'appelle Marie.'",
        "Identify the language of this text: 'Bonjour, je m'appelle Marie.'",
    ),
    # ------------------------------------------------------------------ arithmetic
    ("arithmetic", "What is 17 times 23?", "What's 17 multiplied by 23?"),
    ("arithmetic", "Calculate 15% of 240.", "Please work out 15 percent of 240."),
    ("arithmetic", "What is the square root of 144?", "What's the square root of 144?"),
    ("arithmetic", "Solve for x: 3x + 7 = 22.", "Find x if 3x + 7 = 22."),
    ("arithmetic", "What is 1000 divided by 8?", "What do you get when you divide 1000 by 8?"),
    (
        "arithmetic",
        "Compute the average of 4, 8, 15, 16, 23 and 42.",
        "Calculate the mean of 4, 8, 15, 16, 23 and 42.",
    ),
    ("arithmetic", "What is the factorial of 6?", "Can you tell me what 6 factorial is?"),
    # ------------------------------------------------------------------ translation
    (
        "translation",
        "Translate 'Where is the train station?' into French.",
        "How do you say 'Where is the train station?' in French?",
    ),
    ("translation", "Translate 'Good morning' to Spanish.", "Can you translate 'Good morning' into Spanish?"),
    ("translation", "What is the German word for 'apple'?", "How do you say 'apple' in German?"),
    (
        "translation",
        "Translate the following into Italian: 'I have two brothers.'",
        "Please translate 'I have two brothers.' into Italian.",
    ),
    (
        "translation",
        "Translate 'thank you very much' into Japanese.",
        "Translate into Japanese: 'thank you very much'.",
    ),
    ("translation", "Render 'carpe diem' in English.", "What does 'carpe diem' mean in English?"),
    (
        "translation",
        "Translate 'The meeting has been cancelled' into Portuguese.",
        "Translate 'The meeting has been canceled' into Portuguese.",
    ),
    # ------------------------------------------------------------------ extraction
    (
        "extraction",
        "Extract all email addresses from this text: 'Contact alice@example.com or bob@test.org.'",
        "Pull out every email address in this text: 'Contact alice@example.com or bob@test.org.'",
    ),
    (
        "extraction",
        "List the people mentioned in: 'Maria met John and Priya at the conference.'",
        "Who are the people mentioned in the sentence 'Maria met John and Priya at the conference.'?",
    ),
    (
        "extraction",
        "What is the phone number in this text? 'Call us at 555-0123 during business hours.'",
        "Find the phone number in the following text: 'Call us at 555-0123 during business hours.'",
    ),
    (
        "extraction",
        "Extract the dates from: 'The contract starts on 1 March 2023 and ends on 28 February 2025.'",
        "Which dates appear in: 'The contract starts on 1 March 2023 and ends on 28 February 2025.'?",
    ),
    (
        "extraction",
        "Get the value of the 'city' field from this JSON: "
        '{"name": "Ana", "city": "Lisbon", "zip": "1000-001"}',
        'From this JSON, what\'s the \'city\' value? {"name": "Ana", "city": "Lisbon", "zip": "1000-001"}',
    ),
    (
        "extraction",
        "Extract the hashtags from this tweet: 'Loving the sunshine today #summer #beach'",
        "Pull the hashtags out of this tweet: 'Loving the sunshine today #summer #beach'",
    ),
    (
        "extraction",
        "Identify the company names in this headline: 'Apple and Microsoft announce a joint AI venture.'",
        "Which companies are named in this headline: 'Apple and Microsoft announce a joint AI venture.'?",
    ),
    # ------------------------------------------------------------------ summarisation
    (
        "summarisation",
        "Summarise this article in one sentence: " + _ARTICLE_A,
        "Summarize this article in one sentence: " + _ARTICLE_A,
    ),
    (
        "summarisation",
        "Give me a brief summary of the plot of Hamlet.",
        "Briefly summarise the plot of Hamlet.",
    ),
    ("summarisation", "TL;DR this email: " + _EMAIL_A, "Give me a TL;DR of this email: " + _EMAIL_A),
    (
        "summarisation",
        "Summarise the key contributions of the paper 'Attention Is All You Need'.",
        "What are the main contributions of the paper 'Attention Is All You Need'?",
    ),
    (
        "summarisation",
        "Can you summarise this meeting transcript? " + _TRANSCRIPT_A,
        "Could you please summarise this meeting transcript? " + _TRANSCRIPT_A,
    ),
    (
        "summarisation",
        "Summarise this abstract for a general audience: " + _ABSTRACT_A,
        "Summarise this abstract for a lay audience: " + _ABSTRACT_A,
    ),
    (
        "summarisation",
        "Sum up this customer complaint in one sentence: " + _COMPLAINT_A,
        "In one sentence, summarise this customer complaint: " + _COMPLAINT_A,
    ),
    # ------------------------------------------------------------------ code
    (
        "code",
        "Write a Python function that reverses a string.",
        "Create a Python function to reverse a string.",
    ),
    (
        "code",
        "How do I sort a dictionary by value in Python?",
        "How can I sort a Python dict by its values?",
    ),
    ("code", "How do I read a CSV file in pandas?", "What's the way to load a CSV file with pandas?"),
    (
        "code",
        "Write a regex that matches a US ZIP code.",
        "Write a regular expression to match US ZIP codes.",
    ),
    (
        "code",
        "How do I remove duplicates from a list in Python while keeping the order?",
        "How can I dedupe a Python list but preserve its order?",
    ),
    ("code", "What is the time complexity of binary search?", "What's binary search's time complexity?"),
    (
        "code",
        "Explain what this line does: `df.groupby('country')['sales'].sum()`",
        "What does this line do? `df.groupby('country')['sales'].sum()`",
    ),
    # ------------------------------------------------------------------ qa-entity
    ("qa-entity", "What is the capital of Australia?", "What's the capital city of Australia?"),
    ("qa-entity", "Who wrote the novel 1984?", "Who is the author of the novel 1984?"),
    ("qa-entity", "Who painted the Mona Lisa?", "Who was the painter of the Mona Lisa?"),
    ("qa-entity", "What currency is used in Switzerland?", "What currency does Switzerland use?"),
    ("qa-entity", "Which planet is closest to the Sun?", "Which planet is nearest to the Sun?"),
    ("qa-entity", "What is the chemical symbol for gold?", "Tell me the chemical symbol of gold."),
    (
        "qa-entity",
        "Who was the first president of the United States?",
        "Who was the first US president?",
    ),
    # ------------------------------------------------------------------ qa-attribute
    ("qa-attribute", "How tall is the Eiffel Tower?", "What is the height of the Eiffel Tower?"),
    ("qa-attribute", "When was Albert Einstein born?", "What is Albert Einstein's date of birth?"),
    ("qa-attribute", "What is the melting point of iron?", "At what temperature does iron melt?"),
    ("qa-attribute", "Who directed the film Inception?", "Who was the director of Inception?"),
    ("qa-attribute", "What is the population of Canada?", "How many people live in Canada?"),
    ("qa-attribute", "What is the diameter of Mars?", "What's the diameter of the planet Mars?"),
    ("qa-attribute", "Who is the CEO of Microsoft?", "Who's the chief executive of Microsoft?"),
    # ------------------------------------------------------------------ creative
    ("creative", "Write a poem about the sea.", "Write a poem about the ocean."),
    ("creative", "Compose a haiku about autumn.", "Write a haiku about autumn."),
    (
        "creative",
        "Write a short story about a brave knight.",
        "Can you write a short story about a courageous knight?",
    ),
    (
        "creative",
        "Write a limerick about a cat named Felix.",
        "Please write me a limerick about a cat called Felix.",
    ),
    (
        "creative",
        "Write a bedtime story for a 4-year-old about a dragon.",
        "Tell a bedtime story about a dragon for a four-year-old.",
    ),
    ("creative", "Come up with a name for a bakery.", "Suggest a good name for a bakery."),
    ("creative", "Write a joke about programmers.", "Tell me a joke about programmers."),
    # ------------------------------------------------------------------ comparison
    (
        "comparison",
        "What is the difference between a crocodile and an alligator?",
        "How does a crocodile differ from an alligator?",
    ),
    ("comparison", "Which is bigger, Jupiter or Saturn?", "Which is larger: Saturn or Jupiter?"),
    ("comparison", "Compare TCP and UDP.", "What are the differences between TCP and UDP?"),
    (
        "comparison",
        "Compare Python and Java for web development.",
        "How do Python and Java compare for web development?",
    ),
    (
        "comparison",
        "What are the pros and cons of nuclear energy compared to solar energy?",
        "What are the advantages and disadvantages of nuclear versus solar energy?",
    ),
    ("comparison", "Which is faster, bubble sort or merge sort?", "Is merge sort or bubble sort faster?"),
    (
        "comparison",
        "Contrast the leadership styles of Lincoln and Churchill.",
        "How did Lincoln's and Churchill's leadership styles differ?",
    ),
    # ------------------------------------------------------------------ conversion
    ("conversion", "Convert 100 degrees Fahrenheit to Celsius.", "What is 100°F in Celsius?"),
    ("conversion", "How many kilometres are in 26.2 miles?", "How many kilometers is 26.2 miles?"),
    ("conversion", "Convert 5 feet 10 inches to centimetres.", "How many centimeters is 5 ft 10 in?"),
    ("conversion", "What is 255 in binary?", "Convert 255 to binary."),
    (
        "conversion",
        "Convert the date 2024-03-07 to DD/MM/YYYY format.",
        "Rewrite the date 2024-03-07 in the format DD/MM/YYYY.",
    ),
    ("conversion", "How many seconds are in 3 hours?", "Convert 3 hours to seconds."),
    (
        "conversion",
        "Convert the Roman numeral MCMXCIV to a number.",
        "What number is the Roman numeral MCMXCIV?",
    ),
    # ------------------------------------------------------------------ recipe/howto
    ("recipe/howto", "How do I make pancakes?", "How can I make pancakes?"),
    (
        "recipe/howto",
        "Give me a recipe for vegan chocolate cake.",
        "Could you share a recipe for a vegan chocolate cake?",
    ),
    (
        "recipe/howto",
        "How do I change a flat tyre on a bicycle?",
        "How do I fix a flat tire on a bike?",
    ),
    (
        "recipe/howto",
        "How long should I boil an egg for a runny yolk?",
        "For a runny yolk, how long do I boil an egg?",
    ),
    (
        "recipe/howto",
        "How do I install Python on Windows?",
        "What are the steps to install Python on Windows?",
    ),
    (
        "recipe/howto",
        "How do I remove a red wine stain from a carpet?",
        "What's the best way to get a red wine stain out of a carpet?",
    ),
    ("recipe/howto", "How do I tie a bowline knot?", "Show me how to tie a bowline knot."),
]
