"""The small site the browser journeys walk through: films of several eras and countries, with posters."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from playwright.sync_api import expect

from aesthetics.services import images_analyse
from reviews.services import diary_log, film_rating_stats_refresh, follow_create, review_create
from tests.factories import make_film, make_member, make_poster, make_rating

FILMS = [
    ("Alien", 1979, ("Horror", "Sci-Fi"), (20, 30, 40)),
    ("Tokyo Twilight", 1957, ("Drama",), (90, 80, 70)),
    ("Paris, Texas", 1984, ("Drama",), (200, 60, 40)),
    ("Chungking Express", 1994, ("Romance", "Drama"), (40, 180, 200)),
    ("The Third Man", 1949, ("Film-Noir", "Thriller"), (30, 30, 30)),
    ("Amélie", 2001, ("Comedy", "Romance"), (40, 160, 60)),
    ("Seven Samurai", 1954, ("Action", "Drama"), (120, 120, 120)),
    ("Blade Runner", 1982, ("Sci-Fi", "Film-Noir"), (30, 60, 160)),
    ("Stalker", 1979, ("Sci-Fi", "Drama"), (110, 120, 60)),
    ("Toy Story", 1995, ("Animation", "Children's", "Comedy"), (40, 120, 220)),
    ("Fargo", 1996, ("Crime", "Thriller"), (230, 230, 240)),
    ("Mulholland Drive", 2001, ("Mystery", "Thriller"), (80, 20, 90)),
    ("Metropolis", 1927, ("Sci-Fi",), (90, 90, 90)),
    ("M", 1931, ("Crime", "Thriller"), (40, 40, 40)),
    ("Rashomon", 1950, ("Crime", "Mystery"), (70, 60, 50)),
    ("Vertigo", 1958, ("Mystery", "Romance"), (200, 40, 120)),
    ("Persona", 1966, ("Drama",), (200, 200, 200)),
    ("Aguirre, the Wrath of God", 1972, ("Adventure",), (30, 120, 40)),
    ("Jaws", 1975, ("Action", "Horror"), (20, 40, 120)),
    ("Ran", 1985, ("Action", "War"), (160, 30, 20)),
    ("Spirited Away", 2001, ("Animation", "Fantasy"), (200, 120, 40)),
    ("Trois Couleurs: Bleu", 1993, ("Drama",), (20, 40, 200)),
    ("Cinema Paradiso", 1988, ("Comedy", "Romance"), (220, 160, 80)),
    ("Yojimbo", 1961, ("Comedy", "Western"), (120, 110, 100)),
]


@dataclass
class Site:
    url: str
    films: dict
    member: object
    other: object
    password: str = "correct-horse-battery"


def seed_site(url: str) -> Site:
    films = {}
    for index, (title, year, genres, colour) in enumerate(FILMS, start=1):
        film = make_film(title, year=year, genres=genres, movielens_id=index, plot=f"A film called {title}.")
        make_poster(film, color=colour, size=(40, 60))
        films[title] = film
    member = make_member("mira")
    other = make_member("otto")
    for index, film in enumerate(films.values()):
        make_rating(other, film, [5, 4.5, 4, 3.5, 3, 2][index % 6])
    for day, title in enumerate(["Stalker", "Persona", "Ran"], start=1):
        diary_log(user=other, film=films[title], watched_on=datetime.date(2026, 3, day), stars="4.5", tags=["rewatch"])
    review_create(user=other, film=films["Stalker"], text="The Zone hums with a patient, green dread.")
    follow_create(follower=member, followed=other)
    film_rating_stats_refresh()
    images_analyse()  # palettes and light measures, shown on film pages
    return Site(url=url, films=films, member=member, other=other)


# Two tastes for a small trained recommender: slow, art-house cinema and genre films.
SLOW = [
    "Tokyo Twilight",
    "Persona",
    "Stalker",
    "Seven Samurai",
    "Rashomon",
    "Ran",
    "Aguirre, the Wrath of God",
    "Trois Couleurs: Bleu",
    "Paris, Texas",
    "Yojimbo",
]
GENRE = [
    "Alien",
    "Blade Runner",
    "Jaws",
    "Toy Story",
    "Fargo",
    "Metropolis",
    "Spirited Away",
    "Amélie",
    "Cinema Paradiso",
    "M",
]
# Mira's taste (slow cinema), which she shares mostly with otto: enough ratings for "your match" and
# compatibility. Ran and Aguirre stay unrated, for her film pages to rank.
MIRA_RATINGS = {
    "Tokyo Twilight": 5,
    "Persona": 5,
    "Stalker": 4.5,
    "Seven Samurai": 4.5,
    "Rashomon": 5,
    "The Third Man": 2,
    "Jaws": 1.5,
}
SMALL_MODEL = {
    "als": {"factors": 8, "regularization": 0.1, "iterations": 10, "seed": 1},
    "confidence": {"alpha": 4.0, "power": 1.0, "negative_weight": 0.1, "low_star_threshold": 2.0},
    "blend": {
        "ease_weight": 0.5,
        "popularity_penalty": 0.0,
        "diversity": 0.5,
        "gems_quality_floor": 0.0,
        "candidate_pool": 50,
    },
    "ease_lambda": 5.0,
}


def seed_taste(site: Site) -> None:
    """Sixteen members of two tastes, mira's ratings, and a small recommender trained on them by the real
    training code (a second or two), active for the live server."""
    from recommendations.services import recommender_train

    for m in range(16):
        fan = make_member(f"fan{m:02d}")
        loved, other = (SLOW, GENRE) if m % 2 == 0 else (GENRE, SLOW)
        for i, title in enumerate(loved):
            if (i + m) % 4 != 0:  # everyone has gaps, so there is something to recommend
                make_rating(fan, site.films[title], 5 if i % 2 else 4.5)
        make_rating(fan, site.films[other[m % len(other)]], 1.5)
    for title, stars in MIRA_RATINGS.items():
        make_rating(site.member, site.films[title], stars)
    film_rating_stats_refresh()
    recommender_train(params=SMALL_MODEL)


def log_in(page, site: Site, *, username: str = "mira") -> None:
    page.goto(f"{site.url}/accounts/login/")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(site.password)
    page.get_by_role("button", name="Log in").click()
    # The click starts a navigation: wait for it to leave the login page, not for a network that may be idle.
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
