"""Reading a vibe query into parts, each routed to the signals that can answer it.

A part is a colour or palette, a kind of light or tone, a film word (noir, western, slasher), a setting
(rain, desert, city at night) or a mood (atmospheric, surreal, melancholic). Each part says in plain words
how it was read ("neon colours on a dark image"), and carries what the search needs: palette terms for the
pixel signal, a description for the text signal (plots, reviews), genres and years for the catalogue.
Words that are none of these stay as free text ("a lonely man wanders") for the text signal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import palette as pal

KINDS = ("colour", "light", "film", "period", "setting", "mood", "text")
KIND_LABELS = {
    "colour": "colours",
    "light": "light and tone",
    "film": "film word",
    "period": "period",
    "setting": "setting",
    "mood": "mood",
    "text": "words",
}


@dataclass(frozen=True)
class Concept:
    """What one film word, setting or mood means to the search."""

    kind: str
    label: str  # how the reading is shown: "film noir (1940s-50s crime)"
    text: str = ""  # described for the text signal (plots and reviews)
    genres: tuple[str, ...] = ()  # genre slugs: a film in any of them fits
    years: tuple[int, int] | None = None  # a film in this range fits
    terms: tuple[str, ...] = ()  # palette lexicon phrases


def _c(kind, label, text="", genres=(), years=None, terms=()) -> Concept:
    return Concept(kind, label, text, tuple(genres), years, tuple(terms))


# Film words and moods are mapped to genres, periods and descriptions, never to colours.
# Vocabulary found missing by trying queries a member would type (issue 13): decades ("gritty 70s crime"), genre
# names, fog, forests, mountains, beaches, and moods such as gritty, paranoid, whimsical, bleak. With it, and the
# synonyms read in one pass (a replaced phrase was read again: "road movie" became "road film", "space" inside
# "outer space" made "outer outer space", "comedy" inside "screwball comedy" a separate mood), the 37 labelled
# queries written before it went recall@50 .371 -> .383, MRR .498 -> .518 (road movie .07 -> .21, outer space
# .50 -> .69); four labelled after it (foggy, gritty 70s crime, paranoid 70s thriller, whimsical) .13 -> .51.
CONCEPTS: dict[str, Concept] = {
    # film vocabulary
    "film noir": _c(
        "film",
        "film noir (1940s-50s crime)",
        "hardboiled detective, femme fatale, murder and betrayal in shadowy city streets",
        ["film-noir"],
        (1940, 1959),
    ),
    "neo-noir": _c(
        "film",
        "neo-noir (modern crime noir)",
        "a modern noir: detective, femme fatale, corruption, double-cross and murder",
        ["film-noir", "crime", "thriller", "mystery"],
        (1970, 2005),
    ),
    "noir": _c(
        "film",
        "noir (crime in shadows)",
        "hardboiled detective, femme fatale, murder and betrayal in shadowy city streets",
        ["film-noir", "crime"],
    ),
    "spaghetti western": _c(
        "film", "spaghetti western", "gunslinger, bounty hunter and outlaws in the Old West", ["western"], (1960, 1975)
    ),
    "western": _c(
        "film", "western", "cowboys, gunfighters, outlaws and sheriffs in the Old West frontier", ["western"]
    ),
    "giallo": _c(
        "film",
        "giallo (Italian murder mystery)",
        "a black-gloved killer and a stylish murder mystery",
        ["horror", "thriller"],
    ),
    "screwball comedy": _c(
        "film",
        "screwball comedy (1930s-40s)",
        "fast-talking romantic comedy, madcap heiress, battle of the sexes",
        ["comedy", "romance"],
        (1930, 1960),
    ),
    "screwball": _c(
        "film",
        "screwball comedy (1930s-40s)",
        "fast-talking romantic comedy, madcap heiress, battle of the sexes",
        ["comedy", "romance"],
        (1930, 1960),
    ),
    "slasher": _c(
        "film", "slasher horror", "a masked killer stalks and murders teenagers one by one", ["horror"], (1970, 2005)
    ),
    "road movie": _c("film", "road movie", "a road trip across the country, driving the highway, on the run", []),
    "road trip": _c("film", "road movie", "a road trip across the country, driving the highway, on the run", []),
    "coming of age": _c(
        "film",
        "coming of age",
        "teenagers growing up, the last summer before adulthood, first love and friendship in high school",
        ["drama", "comedy"],
    ),
    "heist": _c(
        "film", "heist", "a gang of thieves plans a robbery to steal from a bank or casino", ["crime", "thriller"]
    ),
    "satire": _c("film", "satire", "a satire mocking politics, the media and society", ["comedy"]),
    "musical": _c("film", "musical", "songs and dance numbers", ["musical"]),
    "war": _c("film", "war film", "soldiers at war on the battlefield", ["war"]),
    "cyberpunk": _c(
        "film",
        "cyberpunk",
        "cyberpunk: hackers, cyborgs and virtual reality in a high-tech dystopian city",
        ["sci-fi"],
        (1980, 2010),
    ),
    "dystopian": _c(
        "film", "dystopia", "a dystopian future under a totalitarian state, surveillance and control", ["sci-fi"]
    ),
    "post-apocalyptic": _c(
        "film",
        "post-apocalyptic",
        "survivors in a post-apocalyptic wasteland after the end of the world",
        ["sci-fi", "action"],
    ),
    "gothic": _c(
        "film",
        "gothic",
        "gothic horror: a haunted castle, candlelit crypts, vampires and a cursed family",
        ["horror", "fantasy", "romance"],
    ),
    "new wave": _c(
        "film",
        "French New Wave (1958-70)",
        "young lovers and drifters in Paris, jump cuts, improvised and playful, the French New Wave",
        ["drama", "romance", "comedy", "crime"],
        (1958, 1970),
    ),
    "cold war": _c(
        "film", "Cold War", "Cold War espionage: spies, the KGB, the Soviets and nuclear threat", [], (1947, 1995)
    ),
    "martial arts": _c(
        "film", "martial arts", "martial arts and kung fu fights, a master and his students", ["action"]
    ),
    "black comedy": _c(
        "film", "black comedy", "a black comedy: death, crime and the absurd played for laughs", ["comedy"]
    ),
    # Genres named as they are: the catalogue's genre, and a description for the text signal where it helps.
    "thriller": _c("film", "thriller", "a thriller of suspense, danger and pursuit", ["thriller"]),
    "science fiction": _c(
        "film", "science fiction", "science fiction: the future, aliens, robots and space travel", ["sci-fi"]
    ),
    "fantasy": _c("film", "fantasy", "a fantasy of magic, wizards, dragons and quests", ["fantasy"]),
    "mystery": _c("film", "mystery", "a mystery: a detective investigates a murder, a whodunit", ["mystery"]),
    "crime": _c("film", "crime", "crime: gangsters, cops and criminals, the mob", ["crime"]),
    "documentary": _c("film", "documentary", "", ["documentary"]),
    "animation": _c("film", "animation", "", ["animation"]),
    "action": _c("film", "action", "action: explosions, fights, shoot-outs and chases", ["action"]),
    "adventure": _c("film", "adventure", "an adventure: a quest, an expedition and a treasure hunt", ["adventure"]),
    "family film": _c("film", "family film", "a family film for children", ["children"]),
    "film": _c("film", "", ""),  # "film"/"movie" only frame the query
    # settings and things
    "city at night": _c("setting", "city at night", "city streets at night, nightlife, neon signs after dark"),
    "rain": _c("setting", "rain", "pouring rain, rainstorm, wet streets in the rain"),
    "desert": _c("setting", "desert", "a vast desert of sand and dunes, wasteland under the sun"),
    "snow": _c("setting", "snow", "snow, frozen winter, ice and blizzard in the cold"),
    "outer space": _c(
        "setting", "outer space", "a spaceship and astronauts in outer space, a voyage to another planet", ["sci-fi"]
    ),
    "ocean": _c("setting", "the sea", "the ocean and the sea, underwater, a ship or submarine at sea"),
    "jungle": _c("setting", "jungle", "a jungle expedition in the tropical rainforest"),
    "small town": _c("setting", "small town", "life in a small American town"),
    "fog": _c("setting", "fog", "thick fog and mist, a foggy night on the moors"),
    "forest": _c("setting", "forest", "a dark forest, lost in the woods"),
    "mountains": _c("setting", "mountains", "mountains, climbers on a snowy peak, an alpine pass"),
    "beach": _c("setting", "beach", "a tropical island beach by the sea, sun and sand"),
    "suburbia": _c("setting", "suburbia", "suburban family life behind the picket fences of the suburbs"),
    "prison": _c("setting", "prison", "a prison, inmates behind bars planning an escape"),
    "high school": _c("setting", "high school", "high school teenagers, class, exams and the prom"),
    "countryside": _c("setting", "countryside", "the countryside, farms and fields of rural life"),
    # moods
    "atmospheric": _c(
        "mood",
        "atmospheric",
        "haunting, eerie, moody atmosphere, hypnotic and mysterious",
        ["sci-fi", "mystery", "horror"],
    ),
    "surreal": _c(
        "mood",
        "surreal",
        "surreal, dreamlike, bizarre nightmare, strange hallucinations",
        ["fantasy", "sci-fi", "comedy"],
    ),
    "tense": _c("mood", "tense", "suspense and tension, a nail-biting chase, trapped and in danger", ["thriller"]),
    "melancholic": _c(
        "mood", "melancholic", "melancholy, sadness, loneliness, grief, loss and regret", ["drama", "romance"]
    ),
    "cozy": _c(
        "mood",
        "cozy",
        "heartwarming, charming and gentle family story, Christmas, friendship",
        ["children", "comedy", "romance"],
    ),
    "uplifting": _c(
        "mood", "uplifting", "inspiring true story, an underdog triumphs, overcoming adversity with hope", ["drama"]
    ),
    "disturbing": _c(
        "mood",
        "disturbing",
        "disturbing, violent, twisted and perverse, a serial killer",
        ["horror", "drama", "thriller"],
    ),
    "psychological": _c("mood", "psychological", "a psychological thriller of obsession and madness", ["thriller"]),
    "romantic": _c("mood", "romantic", "a love story, falling in love", ["romance"]),
    "funny": _c("mood", "funny", "a hilarious comedy", ["comedy"]),
    "scary": _c("mood", "scary", "terrifying horror, ghosts and monsters", ["horror"]),
    "gritty": _c("mood", "gritty", "gritty and raw, violent crime on mean streets", ["crime", "drama", "thriller"]),
    "paranoid": _c("mood", "paranoid", "paranoia, a conspiracy, surveillance and no one to trust", ["thriller"]),
    "whimsical": _c(
        "mood", "whimsical", "whimsical, quirky and playful, a charming fairy tale", ["comedy", "fantasy", "children"]
    ),
    "nostalgic": _c("mood", "nostalgic", "nostalgia for childhood, memories of the past", ["drama", "comedy"]),
    "epic": _c(
        "mood", "epic", "an epic, sweeping saga on a grand scale: armies, empires and history", ["war", "adventure"]
    ),
    "claustrophobic": _c(
        "mood", "claustrophobic", "trapped in a confined space with no way out", ["thriller", "horror"]
    ),
    "bleak": _c("mood", "bleak", "bleak, hopeless despair, grim and harrowing", ["drama", "war"]),
    "psychedelic": _c("mood", "psychedelic", "a psychedelic drug trip of hallucinations and visions"),
    "meditative": _c(
        "mood", "meditative", "slow, quiet and contemplative, a meditation on life, time and nature", ["drama"]
    ),
    "erotic": _c("mood", "erotic", "an erotic story of desire, sex and seduction", ["thriller", "romance", "drama"]),
}
# Periods: "80s", "1980s", "'80s", "eighties" are read as the decade (the catalogue's years), so "gritty 70s crime"
# wants a film of the 1970s. A period is no look and no feeling: the catalogue is its only evidence.
_DECADE_WORDS = {
    1920: "twenties", 1930: "thirties", 1940: "forties", 1950: "fifties", 1960: "sixties", 1970: "seventies",
    1980: "eighties", 1990: "nineties", 2000: "noughties",
}  # fmt: skip
for _start in range(1910, 2030, 10):
    CONCEPTS[f"{_start}s"] = _c("period", f"the {_start}s", years=(_start, _start + 9))
CONCEPT_SYNONYMS = {
    # As members write them (found by typing queries a member would: each was left behind as a loose word).
    "feel good": "cozy",
    "heartbreaking": "melancholic",
    "tearjerker": "melancholic",
    "tear-jerker": "melancholic",
    "stormy": "rain",
    "storm": "rain",
    "storms": "rain",
    "thunderstorm": "rain",
    "downpour": "rain",
    "futuristic": "science fiction",
    "ethereal": "surreal",
    "hypnotic": "surreal",
    "slow burn": "tense",
    "slow-burn": "tense",
    "teen angst": "coming of age",
    "arid": "desert",
    "frozen": "snow",
    "noir film": "film noir",
    "neo noir": "neo-noir",
    "neonoir": "neo-noir",
    "westerns": "western",
    "cowboy": "western",
    "cowboys": "western",
    "slashers": "slasher",
    "road movies": "road movie",
    "coming-of-age": "coming of age",
    "growing up": "coming of age",
    "heists": "heist",
    "robbery": "heist",
    "satirical": "satire",
    "city night": "city at night",
    "night city": "city at night",
    "rainy": "rain",
    "raining": "rain",
    "deserts": "desert",
    "snowy": "snow",
    "winter": "snow",
    "space": "outer space",
    "sea": "ocean",
    "underwater": "ocean",
    "jungles": "jungle",
    "rainforest": "jungle",
    "atmosphere": "atmospheric",
    "moody": "atmospheric",
    "haunting": "atmospheric",
    "eerie": "atmospheric",
    "dreamlike": "surreal",
    "dreamy": "surreal",
    "bizarre": "surreal",
    "suspense": "tense",
    "suspenseful": "tense",
    "tension": "tense",
    "gripping": "tense",
    "melancholy": "melancholic",
    "sad": "melancholic",
    "bittersweet": "melancholic",
    "lonely": "melancholic",
    "cosy": "cozy",
    "heartwarming": "cozy",
    "feel-good": "cozy",
    "wholesome": "cozy",
    "inspiring": "uplifting",
    "inspirational": "uplifting",
    "hopeful": "uplifting",
    "unsettling": "disturbing",
    "creepy": "disturbing",
    "twisted": "disturbing",
    "disturbed": "disturbing",
    "mind-bending": "psychological",
    "love story": "romantic",
    "romance": "romantic",
    "comedy": "funny",
    "horror": "scary",
    "movie": "film",
    "movies": "film",
    "films": "film",
    "cyber-punk": "cyberpunk",
    "dystopia": "dystopian",
    "dystopias": "dystopian",
    "post apocalyptic": "post-apocalyptic",
    "apocalyptic": "post-apocalyptic",
    "apocalypse": "post-apocalyptic",
    "wasteland": "post-apocalyptic",
    "nouvelle vague": "new wave",
    "french new wave": "new wave",
    "kung fu": "martial arts",
    "kung-fu": "martial arts",
    "dark comedy": "black comedy",
    "darkly comic": "black comedy",
    "thrillers": "thriller",
    "sci-fi": "science fiction",
    "scifi": "science fiction",
    "sci fi": "science fiction",
    "documentaries": "documentary",
    "animated": "animation",
    "cartoon": "animation",
    "cartoons": "animation",
    "anime": "animation",
    "whodunit": "mystery",
    "whodunnit": "mystery",
    "gangster": "crime",
    "gangsters": "crime",
    "mob": "crime",
    "family": "family film",
    "kids": "family film",
    "war film": "war",
    "war films": "war",
    "war movie": "war",
    "war movies": "war",
    "foggy": "fog",
    "mist": "fog",
    "misty": "fog",
    "haze": "fog",
    "hazy": "fog",
    "moors": "fog",
    "woods": "forest",
    "forests": "forest",
    "woodland": "forest",
    "mountain": "mountains",
    "alpine": "mountains",
    "beaches": "beach",
    "island": "beach",
    "tropical": "beach",
    "seaside": "beach",
    "suburbs": "suburbia",
    "suburban": "suburbia",
    "jail": "prison",
    "rural": "countryside",
    "farm": "countryside",
    "raw": "gritty",
    "grimy": "gritty",
    "paranoia": "paranoid",
    "conspiracy": "paranoid",
    "quirky": "whimsical",
    "playful": "whimsical",
    "fairy tale": "whimsical",
    "fairytale": "whimsical",
    "nostalgia": "nostalgic",
    "sweeping": "epic",
    "trapped": "claustrophobic",
    "hopeless": "bleak",
    "grim": "bleak",
    "harrowing": "bleak",
    "depressing": "bleak",
    "trippy": "psychedelic",
    "hallucinatory": "psychedelic",
    "contemplative": "meditative",
    "slow cinema": "meditative",
    "sexy": "erotic",
    "sensual": "erotic",
    "steamy": "erotic",
    "intense": "tense",
    "thrilling": "tense",
    "nightmarish": "disturbing",
    "violent": "disturbing",
    "brutal": "disturbing",
    "isolation": "melancholic",
    "isolated": "melancholic",
    "loneliness": "melancholic",
    "hilarious": "funny",
    "witty": "funny",
}
for _start in range(1910, 2030, 10):
    CONCEPT_SYNONYMS[f"{_start}'s"] = f"{_start}s"
    if _start < 2000:
        CONCEPT_SYNONYMS[f"{_start % 100}s"] = f"{_start}s"
        CONCEPT_SYNONYMS[f"{_start % 100}'s"] = f"{_start}s"
for _start, _word in _DECADE_WORDS.items():
    CONCEPT_SYNONYMS[_word] = f"{_start}s"
# Light and tone words (palette lexicon phrases) and how they read.
LIGHT_TERMS = {
    "black and white",
    "monochrome",
    "greyscale",
    "dark",
    "bright",
    "light",
    "vibrant",
    "colourful",
    "saturated",
    "desaturated",
    "muted",
    "washed out",
    "high contrast",
    "harsh",
    "low contrast",
    "soft",
    "gloomy",
    "low-key",
    "neon",
    "pastel",
    "cold",
    "cool",
    "warm",
}
LIGHT_LABELS = {
    "neon": "neon colours on a dark image",
    "black and white": "black and white",
    "monochrome": "black and white",
    "greyscale": "black and white",
    "dark": "dark image",
    "low-key": "low-key lighting (dark, contrasty)",
    "bright": "bright image",
    "high contrast": "high contrast",
    "harsh": "harsh light",
    "washed out": "washed-out colours",
    "muted": "muted colours",
    "desaturated": "desaturated colours",
    "pastel": "pastel colours",
    "vibrant": "vivid colours",
    "saturated": "saturated colours",
    "warm": "warm colours",
    "cold": "cold colours",
    "cool": "cool colours",
}
# Black and white was how nearly every film was shot before the mid-1950s: the period is the best evidence
# we hold until stills exist (a poster of a black-and-white film is often printed in colour).
LIGHT_YEARS = {"black and white": (1915, 1955), "monochrome": (1915, 1955), "greyscale": (1915, 1955)}
# Light words that also describe a feeling the text signal can find.
LIGHT_TEXT = {
    "dark": "dark, gloomy and shadowy",
    "low-key": "dark, gloomy and shadowy",
    "gloomy": "dark, gloomy and shadowy",
    "neon": "neon lights, nightclubs and the city at night, futuristic cyberpunk",
    "high contrast": "stark shadows",
    "muted": "bleak and grim",
    "desaturated": "bleak and grim",
    "bright": "sunny summer, cheerful and colourful",
    "vibrant": "colourful and flamboyant, vivid fantasy",
    "black and white": "a classic old film",
}
STOP_WORDS = {
    "a", "an", "the", "and", "or", "of", "in", "on", "with", "to", "for", "by", "at", "is", "it", "its", "that",
    "this", "some", "something", "like", "about", "very", "really", "me", "i", "my", "want", "show", "find",
    "give", "any", "from", "as", "be", "are", "was", "were", "but", "so", "not", "no", "please", "lots", "lot",
    "kind", "sort", "vibe", "vibes", "feel", "feeling", "feels", "style", "aesthetic", "aesthetics", "mood",
    "palette", "palettes", "colour", "colours", "color", "colors", "tone", "tones", "look", "looking", "looks",
    "lighting", "shot", "shots", "images", "image", "scenes", "scene", "reflections", "reflection",
}  # fmt: skip
# Pairs that cannot both hold for one image: the later one is kept and the reading says so.
CONTRADICTIONS = [
    ("dark", "bright"),
    ("dark", "light"),
    ("high contrast", "low contrast"),
    ("vibrant", "muted"),
    ("vibrant", "desaturated"),
    ("saturated", "desaturated"),
    ("warm", "cold"),
    ("warm", "cool"),
    ("black and white", "vibrant"),
    ("black and white", "colourful"),
]


@dataclass(frozen=True)
class Part:
    kind: str
    key: str  # what the member typed (normalised): used to remove the part from the query
    label: str  # the reading in plain words
    terms: tuple[pal.Term, ...] = ()
    text: str = ""
    genres: tuple[str, ...] = ()
    years: tuple[int, int] | None = None

    @property
    def kind_label(self) -> str:
        """What the kind is called on the page: "film word", "period", "words"."""
        return KIND_LABELS[self.kind]

    @property
    def spellings(self) -> tuple[str, ...]:
        """The words that, found in a review, show it speaks of this part: a concept's phrase and its synonyms
        ("surreal", "dreamlike", "dreamy", "bizarre"), a light word's ("dark", "shadowy", "dim"), the member's
        own words of three letters or more; none for colours and periods (reviews name them for other reasons)."""
        if self.kind == "text":
            return tuple(dict.fromkeys(word for word in self.key.split() if len(word) >= 3 and word.isalpha()))
        if self.kind in ("colour", "period"):
            return ()
        if self.kind == "light":
            return (self.key, *(word for word, key in pal.SYNONYMS.items() if key == self.key))
        return (self.key, *(word for word, key in CONCEPT_SYNONYMS.items() if key == self.key))


@dataclass
class Reading:
    text: str
    parts: list[Part] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. a contradiction resolved

    @property
    def terms(self) -> tuple[pal.Term, ...]:
        return tuple(dict.fromkeys(term for part in self.parts for term in part.terms))

    @property
    def free_text(self) -> str:
        return " ".join(part.text for part in self.parts if part.kind == "text")

    def describe(self) -> str:
        """'neon colours on a dark image; setting: rain, city at night'."""
        groups: dict[str, list[str]] = {}
        for part in self.parts:
            groups.setdefault(part.kind, []).append(part.label)
        out = []
        for kind, labels in groups.items():
            labels = list(dict.fromkeys(labels))
            out.append(
                ", ".join(labels) if kind in ("colour", "light") else f"{KIND_LABELS[kind]}: {', '.join(labels)}"
            )
        return "; ".join(out)

    def without(self, key: str) -> str:
        """The query text with one part removed (for the "remove" link of that part)."""
        remaining = [part.key for part in self.parts if part.key != key]
        return " ".join(remaining)


def _normalise(text: str) -> str:
    text = re.sub(r"\bb\s*&\s*w\b", "b/w", text.lower()).replace("&", " and ")  # "b&w" is not "b and w"
    text = re.sub(r"[^\w\s'/-]", " ", text)
    return " " + re.sub(r"\s+", " ", text).strip() + " "


def _take(text: str, phrase: str) -> tuple[str, bool]:
    pattern = rf"(?<![\w-]){re.escape(phrase)}(?![\w-])"
    if not re.search(pattern, text):
        return text, False
    return re.sub(pattern, lambda m: " " * len(m.group(0)), text), True


# Concept synonyms in one pass, longest first, with every concept's own phrase standing for itself: a phrase
# replaced is not read again ("dark comedy" -> "black comedy" stays one, not "black funny"), and a longer concept
# keeps the words a shorter synonym would take ("cold war" is not "cold" + "war").
_CONCEPT_SPELLINGS = {phrase: phrase for phrase in CONCEPTS} | CONCEPT_SYNONYMS
_CONCEPT_SYNONYM_PATTERN = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(s) for s in sorted(_CONCEPT_SPELLINGS, key=len, reverse=True)) + r")(?![\w-])"
)


def read_query(text: str) -> Reading:
    """The parts of a query, in the order they were found: colours, light, film words, settings, moods, words."""
    reading = Reading(text=text)
    normalised = _normalise(text)
    normalised = pal.normalise_spellings(normalised)
    normalised = _CONCEPT_SYNONYM_PATTERN.sub(lambda match: _CONCEPT_SPELLINGS[match.group(1)], normalised)
    # Concepts first, longest first: "city at night" and "neo-noir" are not read as "light" or "neon".
    for phrase in sorted(CONCEPTS, key=len, reverse=True):
        normalised, found = _take(normalised, phrase)
        if found and CONCEPTS[phrase].label:
            concept = CONCEPTS[phrase]
            terms = tuple(pal.LEXICON[t] for t in concept.terms)
            reading.parts.append(
                Part(concept.kind, phrase, concept.label, terms, concept.text, concept.genres, concept.years)
            )
    for phrase in sorted(pal.LEXICON, key=len, reverse=True):
        normalised, found = _take(normalised, phrase)
        if found:
            kind = "light" if phrase in LIGHT_TERMS else "colour"
            label = LIGHT_LABELS.get(phrase, phrase)
            reading.parts.append(
                Part(
                    kind, phrase, label, (pal.LEXICON[phrase],), LIGHT_TEXT.get(phrase, ""), (), LIGHT_YEARS.get(phrase)
                )
            )
    keys = [part.key for part in reading.parts]
    for first, second in CONTRADICTIONS:
        if first in keys and second in keys:
            dropped = first if keys.index(first) < keys.index(second) else second
            kept = second if dropped == first else first
            reading.parts = [part for part in reading.parts if part.key != dropped]
            reading.notes.append(f"“{dropped}” and “{kept}” cannot both hold; searched for “{kept}”.")
            keys = [part.key for part in reading.parts]
    words = [word.strip("'-") for word in re.findall(r"[\w'-]+", normalised)]
    words = [word for word in words if word and word not in STOP_WORDS]  # "'80s" leaves a lone apostrophe
    if words:
        free = " ".join(words)
        reading.parts.append(Part("text", free, f"“{free}”", text=free))
    order = {kind: i for i, kind in enumerate(KINDS)}
    reading.parts.sort(key=lambda part: order[part.kind])
    return reading
