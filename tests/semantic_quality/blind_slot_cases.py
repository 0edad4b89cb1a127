"""A second blind evaluation set: templated research prompts whose slots change.

Written before the guard rules for dates, times, versions, units and entities existed, and without
reading the guards' code, so it tests them rather than mirroring them. Research notebooks fill a
template in a loop; the slots they vary most are dates and their parts, times, versions, amounts with
currencies and units, ordinals and named entities. A changed slot changes the right answer.

* ``BLIND_SLOT_NEAR_MISSES``: one template, a different value in one slot (or two): the cache must NOT
  answer one with the other's stored answer.
* ``BLIND_SLOT_PARAPHRASES``: the same request reworded, or the same value written another way
  (``3 March`` / ``March 3``, ``Q3`` / ``third quarter``): the cache SHOULD reuse the answer.

Each entry is ``(kind, prompt_a, prompt_b)``.
"""

from __future__ import annotations

BLIND_SLOT_NEAR_MISSES: list[tuple[str, str, str]] = [
    # ------------------------------------------------------------------ months
    (
        "month",
        "Summarise the Federal Reserve's statements between March 3 and March 29, 2023.",
        "Summarise the Federal Reserve's statements between March 3 and April 29, 2023.",
    ),
    (
        "month",
        "What were the main headlines about inflation in January 2022?",
        "What were the main headlines about inflation in February 2022?",
    ),
    (
        "month",
        "List the arXiv papers on diffusion models published in June 2024.",
        "List the arXiv papers on diffusion models published in July 2024.",
    ),
    (
        "month",
        "What was the average temperature in Berlin in August 2019?",
        "What was the average temperature in Berlin in December 2019?",
    ),
    (
        "month",
        "How many commits landed in the repository during Sept 2021?",
        "How many commits landed in the repository during Oct 2021?",
    ),
    (
        "month",
        "Give me the monthly active users reported for Nov. 2020.",
        "Give me the monthly active users reported for May 2020.",
    ),
    (
        "month",
        "Which bills did the Senate vote on in early April?",
        "Which bills did the Senate vote on in early October?",
    ),
    (
        "month",
        "Describe the weather pattern typical of Mumbai in mid-July.",
        "Describe the weather pattern typical of Mumbai in mid-January.",
    ),
    # ------------------------------------------------------------------ days of the month
    (
        "day",
        "What happened on the stock market on October 19, 1987?",
        "What happened on the stock market on October 20, 1987?",
    ),
    (
        "day",
        "Summarise the news from 2024-03-14 about the EU AI Act.",
        "Summarise the news from 2024-03-15 about the EU AI Act.",
    ),
    (
        "day",
        "What events are scheduled at the conference on the 3rd of May?",
        "What events are scheduled at the conference on the 5th of May?",
    ),
    (
        "day",
        "Pull the closing price of AAPL on 12/01/2023.",
        "Pull the closing price of AAPL on 12/02/2023.",
    ),
    (
        "day",
        "Report the air quality index in Delhi on 2 November 2023.",
        "Report the air quality index in Delhi on 12 November 2023.",
    ),
    # ------------------------------------------------------------------ weekdays
    (
        "weekday",
        "What is the typical foot traffic at the store on Mondays?",
        "What is the typical foot traffic at the store on Saturdays?",
    ),
    (
        "weekday",
        "Summarise the meeting notes from Tuesday.",
        "Summarise the meeting notes from Thursday.",
    ),
    (
        "weekday",
        "Which trains run from Leeds to York on Sunday mornings?",
        "Which trains run from Leeds to York on Friday mornings?",
    ),
    (
        "weekday",
        "Plan a study schedule that starts on a Wednesday and ends on a Sunday.",
        "Plan a study schedule that starts on a Monday and ends on a Sunday.",
    ),
    (
        "weekday",
        "Why do emails sent on Fri get fewer replies?",
        "Why do emails sent on Tue get fewer replies?",
    ),
    # ------------------------------------------------------------------ quarters
    (
        "quarter",
        "Summarise Microsoft's earnings call for Q3 2023.",
        "Summarise Microsoft's earnings call for Q4 2023.",
    ),
    (
        "quarter",
        "What was Tesla's revenue in the first quarter of 2022?",
        "What was Tesla's revenue in the second quarter of 2022?",
    ),
    (
        "quarter",
        "Compare Nvidia's data-center revenue in Q1 FY2024 with analyst expectations.",
        "Compare Nvidia's data-center revenue in Q2 FY2024 with analyst expectations.",
    ),
    (
        "quarter",
        "How did US GDP grow in 2020 Q2?",
        "How did US GDP grow in 2020 Q3?",
    ),
    (
        "quarter",
        "What hiring plans did Amazon announce for the fourth quarter?",
        "What hiring plans did Amazon announce for the third quarter?",
    ),
    (
        "quarter",
        "List the product launches of H1 2023 at Google.",
        "List the product launches of H2 2023 at Google.",
    ),
    # ------------------------------------------------------------------ years
    (
        "year",
        "Who won the Nobel Prize in Chemistry in 2019?",
        "Who won the Nobel Prize in Chemistry in 2020?",
    ),
    (
        "year",
        "What were the main causes of the financial crisis of 2008?",
        "What were the main causes of the financial crisis of 1929?",
    ),
    (
        "year",
        "Summarise the state of reinforcement learning research as of 2016.",
        "Summarise the state of reinforcement learning research as of 2021.",
    ),
    (
        "year",
        "How many electric cars were sold in Norway in '19?",
        "How many electric cars were sold in Norway in '22?",
    ),
    (
        "year",
        "What did the IPCC report of 2014 conclude about sea level rise?",
        "What did the IPCC report of 2007 conclude about sea level rise?",
    ),
    (
        "year",
        "Give the population of Lagos in the 1990s.",
        "Give the population of Lagos in the 1980s.",
    ),
    (
        "year",
        "Which papers won best paper at NeurIPS 2017?",
        "Which papers won best paper at NeurIPS 2018?",
    ),
    (
        "year",
        "Describe fashion trends of the 19th century in France.",
        "Describe fashion trends of the 18th century in France.",
    ),
    # ------------------------------------------------------------------ relative days and periods
    (
        "relative",
        "Summarise yesterday's top stories about the election.",
        "Summarise today's top stories about the election.",
    ),
    (
        "relative",
        "What's the weather forecast for tomorrow in Chicago?",
        "What's the weather forecast for today in Chicago?",
    ),
    (
        "relative",
        "List the GitHub issues opened last week in the pandas repository.",
        "List the GitHub issues opened this week in the pandas repository.",
    ),
    (
        "relative",
        "How did the S&P 500 perform last month?",
        "How did the S&P 500 perform last year?",
    ),
    (
        "relative",
        "What papers on retrieval augmentation came out in the past 7 days?",
        "What papers on retrieval augmentation came out in the past 30 days?",
    ),
    (
        "relative",
        "Draft a plan for the next two weeks of the project.",
        "Draft a plan for the next two months of the project.",
    ),
    (
        "relative",
        "What was discussed at the board meeting the day before yesterday?",
        "What was discussed at the board meeting yesterday?",
    ),
    (
        "relative",
        "Summarise the crypto market over the last 24 hours.",
        "Summarise the crypto market over the last 48 hours.",
    ),
    # ------------------------------------------------------------------ times
    (
        "time",
        "What is the traffic like on the M25 at 8am on weekdays?",
        "What is the traffic like on the M25 at 6pm on weekdays?",
    ),
    (
        "time",
        "Convert 14:30 UTC to Pacific time.",
        "Convert 16:30 UTC to Pacific time.",
    ),
    (
        "time",
        "Schedule a reminder at 9:15 every morning.",
        "Schedule a reminder at 9:45 every morning.",
    ),
    (
        "time",
        "What time is it in Tokyo when it is noon in London?",
        "What time is it in Tokyo when it is midnight in London?",
    ),
    (
        "time",
        "Convert 3 pm EST to CET.",
        "Convert 3 pm PST to CET.",
    ),
    (
        "time",
        "Which flights leave Heathrow for New York between 10:00 and 12:00?",
        "Which flights leave Heathrow for New York between 10:00 and 14:00?",
    ),
    (
        "time",
        "How busy is the gym in the morning?",
        "How busy is the gym in the evening?",
    ),
    # ------------------------------------------------------------------ versions
    (
        "version",
        "What changed between pandas v2.10 and v2.11?",
        "What changed between pandas v2.10 and v2.12?",
    ),
    (
        "version",
        "What's new in Python 3.11?",
        "What's new in Python 3.12?",
    ),
    (
        "version",
        "How do I migrate a Django 3.2 project to Django 4.2?",
        "How do I migrate a Django 3.2 project to Django 5.0?",
    ),
    (
        "version",
        "Is numpy 1.26 compatible with Python 3.13?",
        "Is numpy 2.0 compatible with Python 3.13?",
    ),
    (
        "version",
        "List the breaking changes in React 18.",
        "List the breaking changes in React 19.",
    ),
    (
        "version",
        "Why does pip install torch==2.1.0 fail on macOS?",
        "Why does pip install torch==2.2.0 fail on macOS?",
    ),
    (
        "version",
        "Summarise the release notes of Kubernetes 1.28.",
        "Summarise the release notes of Kubernetes 1.29.",
    ),
    (
        "version",
        "What security fixes are in OpenSSL 3.0.7?",
        "What security fixes are in OpenSSL 3.0.8?",
    ),
    (
        "version",
        "Does TensorFlow 2.15 support CUDA 12?",
        "Does TensorFlow 2.15 support CUDA 11?",
    ),
    (
        "version",
        "Explain the new features of Java 17 compared with Java 11.",
        "Explain the new features of Java 21 compared with Java 11.",
    ),
    (
        "version",
        "How do I upgrade from Ubuntu 20.04 to 22.04?",
        "How do I upgrade from Ubuntu 22.04 to 24.04?",
    ),
    (
        "version",
        "What does the GPT-3.5 model card say about training data?",
        "What does the GPT-4 model card say about training data?",
    ),
    (
        "version",
        "Compare the performance of Llama 2 and Llama 3 on MMLU.",
        "Compare the performance of Llama 2 and Llama 3.1 on MMLU.",
    ),
    (
        "version",
        "Which APIs were deprecated in iOS 16?",
        "Which APIs were deprecated in iOS 17?",
    ),
    (
        "version",
        "What is new in the C++20 standard?",
        "What is new in the C++23 standard?",
    ),
    # ------------------------------------------------------------------ currencies
    (
        "currency",
        "Convert 100 USD to EUR at today's rate.",
        "Convert 100 USD to GBP at today's rate.",
    ),
    (
        "currency",
        "How much is $250 in Japanese yen?",
        "How much is €250 in Japanese yen?",
    ),
    (
        "currency",
        "What is the price of a Big Mac in dollars in Switzerland?",
        "What is the price of a Big Mac in euros in Switzerland?",
    ),
    (
        "currency",
        "Estimate the cost of a 10-day trip to Thailand in pounds.",
        "Estimate the cost of a 10-day trip to Thailand in rupees.",
    ),
    (
        "currency",
        "Convert 5,000 CHF to CAD.",
        "Convert 5,000 CHF to AUD.",
    ),
    (
        "currency",
        "Is a salary of £60k good for a data scientist in London?",
        "Is a salary of $60k good for a data scientist in London?",
    ),
    # ------------------------------------------------------------------ units and amounts
    (
        "unit",
        "How long does it take to drive 300 km at 100 km/h?",
        "How long does it take to drive 300 miles at 100 km/h?",
    ),
    (
        "unit",
        "Convert 5 kg to pounds.",
        "Convert 5 g to pounds.",
    ),
    (
        "unit",
        "How many calories are in 100 grams of rice?",
        "How many calories are in 100 ounces of rice?",
    ),
    (
        "unit",
        "What is the boiling point of water in Fahrenheit?",
        "What is the boiling point of water in Kelvin?",
    ),
    (
        "unit",
        "How much RAM is needed to load a model with 7 billion parameters?",
        "How much RAM is needed to load a model with 7 million parameters?",
    ),
    (
        "unit",
        "Estimate the energy use of a 2 kW heater running for an hour.",
        "Estimate the energy use of a 2 W heater running for an hour.",
    ),
    (
        "unit",
        "How do I store 10 TB of logs cheaply on S3?",
        "How do I store 10 GB of logs cheaply on S3?",
    ),
    (
        "unit",
        "What is the latency of a 1 ms round trip in terms of distance covered by light?",
        "What is the latency of a 1 µs round trip in terms of distance covered by light?",
    ),
    (
        "unit",
        "Give a recipe for bread that uses 500 ml of water.",
        "Give a recipe for bread that uses 500 g of water.",
    ),
    (
        "unit",
        "How many litres of paint are needed for a 40 square metre wall?",
        "How many gallons of paint are needed for a 40 square metre wall?",
    ),
    (
        "unit",
        "What is the speed of sound in m/s at sea level?",
        "What is the speed of sound in mph at sea level?",
    ),
    (
        "unit",
        "Plot the rainfall per day in inches for Seattle.",
        "Plot the rainfall per day in millimetres for Seattle.",
    ),
    # ------------------------------------------------------------------ amounts
    (
        "amount",
        "Is a loan of $20,000 at 5% interest over 3 years affordable on a $50k salary?",
        "Is a loan of $20,000 at 7% interest over 3 years affordable on a $50k salary?",
    ),
    (
        "amount",
        "What does a 1.5% fee on a $200 transfer come to?",
        "What does a 2.5% fee on a $200 transfer come to?",
    ),
    (
        "amount",
        "Estimate the training cost of a 70B model on 2T tokens.",
        "Estimate the training cost of a 13B model on 2T tokens.",
    ),
    (
        "amount",
        "How many people lived in Tokyo in 1.2 million households?",
        "How many people lived in Tokyo in 1.5 million households?",
    ),
    # ------------------------------------------------------------------ ordinals
    (
        "ordinal",
        "Who was the 16th president of the United States?",
        "Who was the 26th president of the United States?",
    ),
    (
        "ordinal",
        "Summarise the first chapter of Moby-Dick.",
        "Summarise the second chapter of Moby-Dick.",
    ),
    (
        "ordinal",
        "What does the Fifth Amendment protect?",
        "What does the Fourth Amendment protect?",
    ),
    (
        "ordinal",
        "Explain the second law of thermodynamics.",
        "Explain the third law of thermodynamics.",
    ),
    (
        "ordinal",
        "Who finished third in the 2022 World Cup?",
        "Who finished second in the 2022 World Cup?",
    ),
    (
        "ordinal",
        "What is the last line of the poem 'The Road Not Taken'?",
        "What is the first line of the poem 'The Road Not Taken'?",
    ),
    (
        "ordinal",
        "Find the 3rd largest element in this list: [4, 9, 1, 7, 3].",
        "Find the 2nd largest element in this list: [4, 9, 1, 7, 3].",
    ),
    (
        "ordinal",
        "Which team won the league in its 1st season?",
        "Which team won the league in its final season?",
    ),
    # ------------------------------------------------------------------ entities of one kind
    (
        "entity",
        "Summarise the latest annual report of Siemens.",
        "Summarise the latest annual report of Philips.",
    ),
    (
        "entity",
        "What is the research focus of Geoffrey Hinton?",
        "What is the research focus of Yann LeCun?",
    ),
    (
        "entity",
        "Compare the public transport of Vienna and Zurich.",
        "Compare the public transport of Vienna and Munich.",
    ),
    (
        "entity",
        "Which drugs does Pfizer have in phase 3 trials?",
        "Which drugs does Moderna have in phase 3 trials?",
    ),
    (
        "entity",
        "What is the main export of Chile?",
        "What is the main export of Peru?",
    ),
    (
        "entity",
        "What does the lab of Fei-Fei Li at Stanford work on?",
        "What does the lab of Percy Liang at Stanford work on?",
    ),
    (
        "entity",
        "Summarise the plot of Hamlet in three sentences.",
        "Summarise the plot of Macbeth in three sentences.",
    ),
    (
        "entity",
        "What is the market share of AWS in cloud computing?",
        "What is the market share of Azure in cloud computing?",
    ),
    # ------------------------------------------------------------------ entities of different kinds
    (
        "entity kind",
        "What is the history of Amazon?",
        "What is the history of the Amazon rainforest?",
    ),
    (
        "entity kind",
        "Who founded Jordan?",
        "Who founded the Jordan brand?",
    ),
    (
        "entity kind",
        "Tell me about the economy of Georgia the country.",
        "Tell me about the economy of Georgia the US state.",
    ),
    (
        "entity kind",
        "What are the biggest achievements of Paris?",
        "What are the biggest achievements of Paris Saint-Germain?",
    ),
    (
        "entity kind",
        "Summarise recent news about Apple.",
        "Summarise recent news about Apple Records.",
    ),
    (
        "entity kind",
        "Summarise the research of MIT on fusion energy.",
        "Summarise the research of Elon Musk on fusion energy.",
    ),
    (
        "entity kind",
        "What did Washington decide about tariffs this year?",
        "What did Beijing decide about tariffs this year?",
    ),
    (
        "entity kind",
        "Summarise the latest quarterly results of Alphabet.",
        "Summarise the latest quarterly results of Germany.",
    ),
    # ------------------------------------------------------------------ attributes and qualifiers
    (
        "attribute",
        "What is the melting point of tungsten?",
        "What is the boiling point of tungsten?",
    ),
    (
        "attribute",
        "What is the market cap of Nvidia?",
        "What is the revenue of Nvidia?",
    ),
    (
        "attribute",
        "What is the median household income in Texas?",
        "What is the median household size in Texas?",
    ),
    (
        "attribute",
        "Give the half-life of carbon-14.",
        "Give the decay mode of carbon-14.",
    ),
    (
        "attribute",
        "What is the population density of Bangladesh?",
        "What is the population growth rate of Bangladesh?",
    ),
    (
        "qualifier",
        "What was the unemployment rate in Spain in 2012?",
        "What was the youth unemployment rate in Spain in 2012?",
    ),
    (
        "qualifier",
        "What is the GDP of India?",
        "What is the GDP growth of India?",
    ),
    (
        "qualifier",
        "What is the life expectancy in Japan?",
        "What is the healthy life expectancy in Japan?",
    ),
    (
        "qualifier",
        "List the top 10 universities in Europe.",
        "List the top 10 private universities in Europe.",
    ),
    (
        "qualifier",
        "What was the inflation rate in Turkey in 2023?",
        "What was the core inflation rate in Turkey in 2023?",
    ),
    # ------------------------------------------------------------------ two slots in one prompt
    (
        "two slots",
        "Compare the Q2 2023 revenue of Apple with its Q2 2022 revenue.",
        "Compare the Q3 2023 revenue of Apple with its Q3 2022 revenue.",
    ),
    (
        "two slots",
        "Translate the 3rd paragraph of the 2019 annual report into French.",
        "Translate the 4th paragraph of the 2020 annual report into French.",
    ),
    (
        "two slots",
        "What was the EUR/USD rate at 9am on 1 March 2022?",
        "What was the EUR/USD rate at 5pm on 1 March 2022?",
    ),
    (
        "two slots",
        "Benchmark pandas 2.1 against polars 0.19 on a 1 GB CSV.",
        "Benchmark pandas 2.1 against polars 0.20 on a 1 GB CSV.",
    ),
]

BLIND_SLOT_PARAPHRASES: list[tuple[str, str, str]] = [
    # ------------------------------------------------------------------ dates written another way
    (
        "date format",
        "What happened on the stock market on October 19, 1987?",
        "What happened on the stock market on 19 October 1987?",
    ),
    (
        "date format",
        "Summarise the Federal Reserve's statements between March 3 and March 29, 2023.",
        "Give me a summary of the Federal Reserve's statements from March 3 to March 29, 2023.",
    ),
    (
        "date format",
        "What were the main headlines about inflation in January 2022?",
        "What were the top headlines about inflation in January 2022?",
    ),
    (
        "date format",
        "Report the air quality index in Delhi on 2 November 2023.",
        "Report the air quality index in Delhi on November 2, 2023.",
    ),
    (
        "date format",
        "How many commits landed in the repository during September 2021?",
        "How many commits were made to the repository in September 2021?",
    ),
    (
        "date format",
        "What was the average temperature in Berlin in August 2019?",
        "What was Berlin's average temperature in August 2019?",
    ),
    (
        "date format",
        "Which bills did the Senate vote on in early April?",
        "Which bills did the Senate vote on at the beginning of April?",
    ),
    (
        "weekday",
        "What is the typical foot traffic at the store on Mondays?",
        "How much foot traffic does the store usually get on Mondays?",
    ),
    (
        "weekday",
        "Summarise the meeting notes from Tuesday.",
        "Give me a summary of Tuesday's meeting notes.",
    ),
    # ------------------------------------------------------------------ quarters written another way
    (
        "quarter",
        "What was Tesla's revenue in the first quarter of 2022?",
        "What was Tesla's revenue in Q1 2022?",
    ),
    (
        "quarter",
        "Summarise Microsoft's earnings call for Q3 2023.",
        "Give a summary of Microsoft's Q3 2023 earnings call.",
    ),
    (
        "quarter",
        "How did US GDP grow in 2020 Q2?",
        "How much did US GDP grow in Q2 2020?",
    ),
    (
        "quarter",
        "What hiring plans did Amazon announce for the fourth quarter?",
        "Which hiring plans did Amazon announce for Q4?",
    ),
    # ------------------------------------------------------------------ years reworded
    (
        "year",
        "Who won the Nobel Prize in Chemistry in 2019?",
        "Who was awarded the 2019 Nobel Prize in Chemistry?",
    ),
    (
        "year",
        "What were the main causes of the financial crisis of 2008?",
        "What caused the 2008 financial crisis?",
    ),
    (
        "year",
        "Which papers won best paper at NeurIPS 2017?",
        "Which papers received the best paper award at NeurIPS 2017?",
    ),
    (
        "year",
        "What did the IPCC report of 2014 conclude about sea level rise?",
        "What were the conclusions of the 2014 IPCC report on sea level rise?",
    ),
    # ------------------------------------------------------------------ relative days reworded
    (
        "relative",
        "Summarise yesterday's top stories about the election.",
        "Summarise the top election stories from yesterday.",
    ),
    (
        "relative",
        "What's the weather forecast for tomorrow in Chicago?",
        "What is tomorrow's weather forecast for Chicago?",
    ),
    (
        "relative",
        "List the GitHub issues opened last week in the pandas repository.",
        "Show the GitHub issues that were opened in the pandas repository last week.",
    ),
    (
        "relative",
        "How did the S&P 500 perform last month?",
        "How was the S&P 500's performance last month?",
    ),
    # ------------------------------------------------------------------ times reworded
    (
        "time",
        "Convert 14:30 UTC to Pacific time.",
        "What is 14:30 UTC in Pacific time?",
    ),
    (
        "time",
        "What is the traffic like on the M25 at 8am on weekdays?",
        "How is the traffic on the M25 at 8 am on weekdays?",
    ),
    (
        "time",
        "What time is it in Tokyo when it is noon in London?",
        "When it's noon in London, what time is it in Tokyo?",
    ),
    (
        "time",
        "Schedule a reminder at 9:15 every morning.",
        "Set a reminder for 9:15 each morning.",
    ),
    # ------------------------------------------------------------------ versions reworded
    (
        "version",
        "What's new in Python 3.11?",
        "What are the new features in Python 3.11?",
    ),
    (
        "version",
        "How do I migrate a Django 3.2 project to Django 4.2?",
        "How can I upgrade a Django 3.2 project to Django 4.2?",
    ),
    (
        "version",
        "List the breaking changes in React 18.",
        "What are the breaking changes in React 18?",
    ),
    (
        "version",
        "Summarise the release notes of Kubernetes 1.28.",
        "Give me a summary of the Kubernetes 1.28 release notes.",
    ),
    (
        "version",
        "What changed between pandas v2.10 and v2.11?",
        "What are the differences between pandas 2.10 and 2.11?",
    ),
    (
        "version",
        "Is numpy 1.26 compatible with Python 3.13?",
        "Does numpy 1.26 work with Python 3.13?",
    ),
    (
        "version",
        "Which APIs were deprecated in iOS 16?",
        "What APIs did Apple deprecate in iOS 16?",
    ),
    (
        "version",
        "How do I upgrade from Ubuntu 20.04 to 22.04?",
        "What's the way to upgrade Ubuntu 20.04 to 22.04?",
    ),
    # ------------------------------------------------------------------ currencies and units reworded
    (
        "currency",
        "Convert 100 USD to EUR at today's rate.",
        "Convert 100 US dollars to euros at today's exchange rate.",
    ),
    (
        "currency",
        "How much is $250 in Japanese yen?",
        "What is $250 worth in Japanese yen?",
    ),
    (
        "currency",
        "Is a salary of £60k good for a data scientist in London?",
        "Is £60,000 a good salary for a data scientist in London?",
    ),
    (
        "unit",
        "Convert 5 kg to pounds.",
        "Convert 5 kilograms to pounds.",
    ),
    (
        "unit",
        "How many calories are in 100 grams of rice?",
        "How many calories does 100 g of rice contain?",
    ),
    (
        "unit",
        "What is the boiling point of water in Fahrenheit?",
        "At what temperature in Fahrenheit does water boil?",
    ),
    (
        "unit",
        "How long does it take to drive 300 km at 100 km/h?",
        "How much time does driving 300 km at 100 km/h take?",
    ),
    (
        "unit",
        "How do I store 10 TB of logs cheaply on S3?",
        "What's a cheap way to store 10 TB of logs on S3?",
    ),
    (
        "unit",
        "What is the speed of sound in m/s at sea level?",
        "At sea level, what is the speed of sound in m/s?",
    ),
    # ------------------------------------------------------------------ ordinals reworded
    (
        "ordinal",
        "Who was the 16th president of the United States?",
        "Who was the sixteenth president of the United States?",
    ),
    (
        "ordinal",
        "Summarise the first chapter of Moby-Dick.",
        "Summarise chapter 1 of Moby-Dick.",
    ),
    (
        "ordinal",
        "Explain the second law of thermodynamics.",
        "Can you explain the 2nd law of thermodynamics?",
    ),
    (
        "ordinal",
        "What does the Fifth Amendment protect?",
        "What rights does the Fifth Amendment protect?",
    ),
    # ------------------------------------------------------------------ entities reworded
    (
        "entity",
        "Summarise the latest annual report of Siemens.",
        "Give a summary of Siemens' latest annual report.",
    ),
    (
        "entity",
        "What is the research focus of Geoffrey Hinton?",
        "What does Geoffrey Hinton focus his research on?",
    ),
    (
        "entity",
        "Which drugs does Pfizer have in phase 3 trials?",
        "What drugs are in phase 3 trials at Pfizer?",
    ),
    (
        "entity",
        "What is the main export of Chile?",
        "What is Chile's main export?",
    ),
    (
        "entity",
        "Compare the public transport of Vienna and Zurich.",
        "Compare public transport in Vienna and in Zurich.",
    ),
    (
        "entity",
        "What is the market share of AWS in cloud computing?",
        "What share of the cloud computing market does AWS have?",
    ),
    # ------------------------------------------------------------------ attributes reworded
    (
        "attribute",
        "What is the melting point of tungsten?",
        "At what temperature does tungsten melt?",
    ),
    (
        "attribute",
        "What is the market cap of Nvidia?",
        "What is Nvidia's market capitalisation?",
    ),
    (
        "attribute",
        "Give the half-life of carbon-14.",
        "What is the half-life of carbon-14?",
    ),
    (
        "qualifier",
        "What was the youth unemployment rate in Spain in 2012?",
        "What was Spain's youth unemployment rate in 2012?",
    ),
    (
        "qualifier",
        "List the top 10 universities in Europe.",
        "What are the ten best universities in Europe?",
    ),
    # ------------------------------------------------------------------ two slots reworded
    (
        "two slots",
        "Compare the Q2 2023 revenue of Apple with its Q2 2022 revenue.",
        "How does Apple's Q2 2023 revenue compare with its Q2 2022 revenue?",
    ),
    (
        "two slots",
        "What was the EUR/USD rate at 9am on 1 March 2022?",
        "What was the EUR/USD exchange rate at 9am on March 1, 2022?",
    ),
    (
        "two slots",
        "Benchmark pandas 2.1 against polars 0.19 on a 1 GB CSV.",
        "Compare the speed of pandas 2.1 and polars 0.19 on a 1 GB CSV file.",
    ),
    (
        "two slots",
        "Translate the 3rd paragraph of the 2019 annual report into French.",
        "Translate paragraph 3 of the 2019 annual report into French.",
    ),
]
