"""The word lists the guards (``guards.py``) read: what counts as a number, a name, a contrast, a synonym,
a date, a time, a unit or a currency. Kept apart from the rules so a list can grow without touching them.

Every list is lower case unless it says otherwise. Groups are written one group per ``|``-separated
field; ``guards`` indexes them with every regular inflection of each word.
"""

from __future__ import annotations

ARTICLES = frozenset({"a", "an", "the"})

QUESTION_WORDS = frozenset({"why", "when", "where", "who", "how"})

NEGATIONS = frozenset(
    {"not", "no", "never", "cannot", "none", "nobody", "nothing", "neither", "nor", "nowhere", "without", "non"}
)  # fmt: skip

#: Abbreviations that read as Roman numerals.
ROMAN_LOOKALIKES = frozenset(
    "C D L M V X CD DC CV CI MD XL MIX DIV CLI LI DI MI MC CC CM DIX VI".split()  # noqa: SIM905
)

OPERATOR_WORDS = {
    "plus": "+", "minus": "-", "times": "*", "multiplied": "*", "×": "*", "divided": "/", "÷": "/",
    "squared": "squared", "cubed": "cubed",
}  # fmt: skip

ABBREVIATIONS = frozenset({"e.g", "i.e", "etc", "vs", "a.m", "p.m", "u.s", "u.k"})

NUMBER_WORDS = {
    "zero": "0", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
    "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18",
    "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60",
    "seventy": "70", "eighty": "80", "ninety": "90", "hundred": "100", "thousand": "1000",
    "million": "1000000", "billion": "1000000000", "half": "0.5", "twice": "2", "double": "2",
    "triple": "3", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6",
    "seventh": "7", "eighth": "8", "ninth": "9", "tenth": "10",
}  # fmt: skip

#: Words that fill a template slot although users write them in lower case.
SLOT_WORDS = frozenset(
    """
    english french german spanish italian portuguese dutch russian chinese mandarin cantonese japanese korean
    arabic hindi bengali urdu turkish polish swedish norwegian danish finnish greek hebrew czech hungarian
    romanian ukrainian vietnamese thai indonesian malay persian swahili latin
    python java javascript typescript rust golang ruby php kotlin swift scala haskell perl lua julia matlab
    sql bash powershell c++ c# html css r
    positive negative neutral formal informal
    """.split()  # noqa: SIM905
)

#: Groups of mutually exclusive alternatives, one group per line: a template slot often ranges over them
#: ("focusing on the positives" / "negatives", "sort ascending" / "descending", "the mean" / "the median").
#: Two different members of one group, swapped in a shared template, make different prompts.
CONTRASTS = """
positive negative neutral | pro con | advantage disadvantage | benefit drawback | strength weakness
first second third fourth fifth last final | earliest latest | oldest newest youngest
start end | beginning end | before after | above below | up down | over under | left right | top bottom
upper lower | uppercase lowercase | inner outer | inside outside | internal external
north south east west | northern southern eastern western | northeast northwest southeast southwest
ascending descending | ascend descend | increase decrease | increase reduce | rise fall | rose fell
raise lower | gain lose | gain loss | win lose | won lost | buy sell | bought sold | import export | input output
send receive | push pull | open close | enable disable | encrypt decrypt | encode decode
compress decompress | serialize deserialize | serialise deserialise | add remove | add delete | insert delete
install uninstall | upload download | login logout | include exclude | accept reject | allow deny | allow block
mean median mode | sum product difference quotient | add subtract multiply divide
addition subtraction multiplication division | maximum minimum | max min | largest smallest
biggest smallest | highest lowest | longest shortest | tallest shortest | fastest slowest | best worst
greatest least | most least | more less | more fewer | many few | closest farthest | closest furthest
nearest farthest | nearest furthest
long short | tall short | fast slow | hot cold | warm cool | heavy light | high low | big small
large small | wide narrow | thick thin | strong weak | easy hard | easy difficult | simple complex
cheap expensive | rich poor | early late | true false | correct incorrect | right wrong | valid invalid
legal illegal | male female | men women | man woman | boy girl | husband wife | father mother
son daughter | brother sister | king queen | summer winter spring autumn | morning afternoon evening night
day night | today tomorrow yesterday | past present future | singular plural | active passive
beginner intermediate advanced expert | junior senior | child adult | born died | birth death
living dead | alive dead | boiling freezing melting | boil freeze melt | solid liquid gas
acidic alkaline | horizontal vertical | horizontally vertically | clockwise anticlockwise counterclockwise
celsius fahrenheit kelvin | metric imperial | kilometre mile | kilometer mile | kilogram pound
centimetre inch | centimeter inch | metre foot | meter foot | metre feet | meter feet | litre gallon
liter gallon | daily weekly monthly yearly annual
client server | frontend backend | sync async | synchronous asynchronous | static dynamic
public private | global local | read write | question answer | cause effect | agree disagree
like dislike | love hate | happy sad | optimistic pessimistic | success failure | succeed fail
pass fail | lend borrow | parent child | predecessor successor | prefix suffix | even odd
prime composite | integer float string boolean | list tuple set dict dictionary array
mercury venus earth mars jupiter saturn uranus neptune | gold silver bronze copper iron
red orange yellow green blue purple pink brown black white grey
"""

#: Groups of words people use for one another when they reword a question ("How do I create a blog" /
#: "start a blog", "teachers" / "professors"): one swapped for another of its group is a paraphrase.
SYNONYMS = """
create make build construct develop produce start | start begin launch commence | stop prevent halt quit
get obtain acquire receive gain | learn study understand know master | improve enhance increase boost better
measure calculate compute determine estimate find | change switch alter modify replace swap
restore recover retrieve | earn make | hate dislike detest | like love enjoy prefer
think believe feel realize realise consider | see view check know find | show display
job work career position placement employment | teacher professor lecturer instructor tutor
student pupil learner | company business firm organization organisation startup enterprise
doctor physician | car vehicle automobile | phone smartphone mobile cellphone | picture photo image photograph
movie film | website site webpage | app application | program programme software | problem issue trouble
mistake error | reason cause origin | way method approach technique | tip advice suggestion trick
cool interesting amazing awesome fascinating nice wonderful great fun incredible
delicious tasty yummy | rude disrespectful impolite offensive | sad upset unhappy depressed
easy simple | quick fast rapid speedy | big large huge | small little tiny | famous popular renowned
important significant crucial essential key | good great excellent nice fine | bad poor terrible awful
hard difficult tough | buy purchase | fix repair solve resolve | use utilize utilise | need require
help assist | choose pick select | remove delete | cheap inexpensive affordable | expensive costly pricey
happen occur | talk speak chat | say tell | answer reply respond | ask query | custom customized customised
bespoke personalized personalised tailored unique | gay homosexual lesbian | cut slash | anxious nervous worried
scared afraid frightened | angry mad | rich wealthy | allow let permit | try attempt | keep maintain stay
end finish complete | biggest greatest largest | main top principal major leading chief primary | some any | benefit advantage | effect impact
people person someone somebody one human | kid child | guy man | lady woman | mom mother | dad father
"""

DOMAINS = frozenset({"com", "org", "net", "io", "ai", "co", "in", "uk", "de"})

JOINERS = ("or", "and", "vs", "versus", "vs.")

STOPWORDS = frozenset(
    """
    a an the and or but if then so of to in on at by for with from into onto about as is are was were be been
    being am do does did doing have has had having i me my we our you your he him his she her it its they them
    their this that these those there here what which who whom whose when where why how can could should would
    will shall may might must just also very really quite too more most much many some any all each every
    other such own same than up down out over under again further once only both few s t
    get got make made use used using way ways best good better please tell explain give show me us let lets
    whats what's hows how's i'm it's that's there's don't doesn't
    """.split()  # noqa: SIM905
)


#: Months, by the number of the month. "may" and "march" are words too: only their capitalised forms,
#: or a lower-case one next to a day number, count as a month (see ``guards._dates``).
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
AMBIGUOUS_MONTHS = frozenset({"may", "march", "mar"})

#: Days of the week, by their number (Monday 1). Short forms that are also words ("sun", "sat", "wed")
#: are left out.
WEEKDAYS = {
    "monday": 1, "mon": 1, "tuesday": 2, "tue": 2, "tues": 2, "wednesday": 3, "thursday": 4, "thu": 4,
    "thur": 4, "thurs": 4, "friday": 5, "fri": 5, "saturday": 6, "sunday": 7,
}  # fmt: skip

#: Days named relative to today, by their offset in days.
RELATIVE_DAYS = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}
#: "the day before yesterday" / "the day after tomorrow": two days off.
FAR_RELATIVE_DAYS = {("before", "yesterday"): -2, ("after", "tomorrow"): 2}
#: "last week", "this month", "next year": the word before a period and the offset it means.
RELATIVE_WORDS = {
    "last": -1, "previous": -1, "past": -1, "prior": -1, "this": 0, "current": 0, "next": 1, "coming": 1,
    "upcoming": 1, "following": 1,
}  # fmt: skip
PERIODS = frozenset({"day", "week", "weekend", "month", "quarter", "year", "decade", "century", "season"})

#: Parts of a day, as the hour they start; a named time ("noon") is an hour.
DAY_PARTS = {"noon": 12, "midday": 12, "midnight": 0}

#: Units and currencies, each written form mapped to one code: "kg" = "kilogram" = "kilograms". A form
#: in ``UNITS_AFTER_NUMBER`` counts only right after a number ("5 g", "10 in"), since it is also a word.
UNITS = {
    # length
    "km": "km", "kilometre": "km", "kilometer": "km", "kilometres": "km", "kilometers": "km",
    "mile": "mi", "miles": "mi", "mi": "mi", "m": "m", "metre": "m", "meter": "m", "metres": "m",
    "meters": "m", "cm": "cm", "centimetre": "cm", "centimeter": "cm", "centimetres": "cm",
    "centimeters": "cm", "mm": "mm", "millimetre": "mm", "millimeter": "mm", "millimetres": "mm",
    "millimeters": "mm", "inch": "in", "inches": "in", "ft": "ft", "foot": "ft", "feet": "ft",
    "yard": "yd", "yards": "yd", "yd": "yd", "nm": "nm", "nanometre": "nm", "nanometer": "nm",
    # mass
    "kg": "kg", "kilogram": "kg", "kilograms": "kg", "kilo": "kg", "kilos": "kg", "g": "g", "gram": "g",
    "grams": "g", "mg": "mg", "milligram": "mg", "milligrams": "mg", "lb": "lb", "lbs": "lb",
    "pound": "lb", "pounds": "lb", "oz": "oz", "ounce": "oz", "ounces": "oz", "ton": "t", "tons": "t",
    "tonne": "t", "tonnes": "t", "stone": "st",
    # volume
    "l": "l", "litre": "l", "liter": "l", "litres": "l", "liters": "l", "ml": "ml", "millilitre": "ml",
    "milliliter": "ml", "millilitres": "ml", "milliliters": "ml", "gallon": "gal", "gallons": "gal",
    "gal": "gal", "cup": "cup", "cups": "cup", "tbsp": "tbsp", "tablespoon": "tbsp",
    "tablespoons": "tbsp", "tsp": "tsp", "teaspoon": "tsp", "teaspoons": "tsp", "pint": "pt", "pints": "pt",
    # temperature
    "celsius": "degc", "°c": "degc", "fahrenheit": "degf", "°f": "degf", "kelvin": "kelvin",
    # speed, power, energy
    "mph": "mph", "kph": "km/h", "km/h": "km/h", "kmh": "km/h", "m/s": "m/s", "knot": "kn", "knots": "kn",
    "w": "w", "watt": "w", "watts": "w", "kw": "kw", "kilowatt": "kw", "kilowatts": "kw", "mw": "mw",
    "megawatt": "mw", "megawatts": "mw", "kwh": "kwh", "j": "j", "joule": "j", "joules": "j",
    "calorie": "kcal", "calories": "kcal", "kcal": "kcal", "hp": "hp", "horsepower": "hp",
    # data
    "kb": "kb", "mb": "mb", "gb": "gb", "tb": "tb", "pb": "pb", "kilobyte": "kb", "kilobytes": "kb",
    "megabyte": "mb", "megabytes": "mb", "gigabyte": "gb", "gigabytes": "gb", "terabyte": "tb",
    "terabytes": "tb", "petabyte": "pb", "petabytes": "pb",
    # time
    "ns": "ns", "nanosecond": "ns", "nanoseconds": "ns", "µs": "us", "us": "us", "microsecond": "us",
    "microseconds": "us", "ms": "ms", "millisecond": "ms", "milliseconds": "ms", "s": "s", "sec": "s",
    "secs": "s", "seconds": "s", "min": "min", "mins": "min", "minute": "min", "minutes": "min",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "day": "day", "days": "day",
    "week": "week", "weeks": "week", "month": "month", "months": "month", "year": "year", "years": "year",
    "decade": "decade", "decades": "decade",
    # currencies
    "$": "usd", "usd": "usd", "dollar": "usd", "dollars": "usd", "€": "eur", "eur": "eur", "euro": "eur",
    "euros": "eur", "£": "gbp", "gbp": "gbp", "sterling": "gbp", "¥": "jpy", "jpy": "jpy", "yen": "jpy",
    "₹": "inr", "inr": "inr", "rupee": "inr", "rupees": "inr", "rs": "inr", "cny": "cny", "rmb": "cny", "yuan": "cny",
    "renminbi": "cny", "chf": "chf", "franc": "chf", "francs": "chf", "cad": "cad", "aud": "aud",
    "sek": "sek", "nok": "nok", "dkk": "dkk", "krona": "sek", "kronor": "sek", "krone": "nok",
    "won": "krw", "krw": "krw", "peso": "mxn", "pesos": "mxn", "mxn": "mxn", "real": "brl", "reais": "brl",
    "brl": "brl", "ruble": "rub", "rubles": "rub", "rouble": "rub", "roubles": "rub", "rub": "rub",
    "bitcoin": "btc", "btc": "btc", "ether": "eth", "eth": "eth",
}  # fmt: skip
UNITS_AFTER_NUMBER = frozenset(
    {"m", "g", "l", "s", "h", "w", "j", "mi", "min", "mins", "won", "real", "st", "stone", "cup", "cups",
     "mw", "nm", "ms", "sec", "secs", "seconds", "minute", "minutes", "hr", "hrs", "hour", "hours", "day",
     "days", "week", "weeks", "month", "months", "year", "years", "decade", "decades", "ton", "tons",
     "pint", "pints", "rub", "eth", "cad", "aud", "kn", "ether"}
)  # fmt: skip
#: "US dollars" and "Canadian dollars" are different currencies: the word before "dollar" picks one.
CURRENCY_QUALIFIERS = {
    ("us", "usd"): "usd", ("american", "usd"): "usd", ("canadian", "usd"): "cad", ("australian", "usd"): "aud",
    ("hong", "usd"): "hkd", ("singapore", "usd"): "sgd", ("swiss", "chf"): "chf", ("british", "lb"): "gbp",
    ("japanese", "jpy"): "jpy", ("indian", "inr"): "inr", ("chinese", "cny"): "cny",
    ("mexican", "mxn"): "mxn", ("brazilian", "brl"): "brl", ("russian", "rub"): "rub",
}  # fmt: skip

#: Ordinal words past "tenth", with the number they stand for (the first ten are in ``NUMBER_WORDS``).
ORDINAL_WORDS = {
    "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
    "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
    "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90,
    "hundredth": 100, "thousandth": 1000,
}  # fmt: skip
#: The tens of compound ordinals ("twenty-first", "thirty-third").
ORDINAL_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
                "eighty": 80, "ninety": 90}  # fmt: skip
ORDINAL_UNITS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
                 "eighth": 8, "ninth": 9}  # fmt: skip

#: Quarters and halves of a year, by the words people write for them.
QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "final": 4, "last": 4}

#: Nouns that say what kind of thing a name is: "Apple" / "Apple Records", "Jordan" / "the Jordan brand",
#: "Amazon" / "the Amazon rainforest" name different things.
ENTITY_KINDS = frozenset(
    """
    brand company corporation records label band club fc university college hospital foundation institute
    museum river lake mountain mountains sea ocean rainforest forest desert island islands valley bay
    county province kingdom empire dynasty airport station street avenue church festival award prize cup
    stadium bridge tower park
    """.split()  # noqa: SIM905
)
#: Words after a company's name that name the same company ("Apple Inc" is Apple).
ENTITY_SUFFIXES = frozenset({"inc", "corp", "co", "ltd", "llc", "plc", "ag", "gmbh", "sa", "nv", "limited"})

#: Words that narrow a statistic or a group to another one: "the unemployment rate" / "the youth
#: unemployment rate", "GDP" / "GDP per capita", "inflation" / "core inflation". Added on one side only,
#: in an otherwise identical prompt, they ask for another figure.
QUALIFIERS = frozenset(
    """
    youth adult child children infant elderly senior male female men women urban rural core headline real
    nominal adjusted seasonally net gross median average mean total per capita growth healthy private
    public domestic foreign international national federal state local annual annualized annualised
    quarterly monthly weekly daily hourly marginal effective minimum maximum peak projected estimated
    forecast expected recorded official unofficial reported long-term short-term
    """.split()  # noqa: SIM905
)
