"""Small MovieLens-layout files written at test time."""

from __future__ import annotations

import zipfile
from pathlib import Path

ML_1M_MOVIES = [
    "1::Toy Story (1995)::Animation|Children's|Comedy",
    "2::Matrix, The (1999)::Action|Sci-Fi|Thriller",
    "3::City of Lost Children, The (Cité des enfants perdus, La) (1995)::Adventure|Sci-Fi",
]
ML_1M_RATINGS = [
    "1::1::5::978300760",
    "1::2::3::978302109",
    "2::1::4::978301968",
    "2::3::2::978300275",
    "3::2::1::978824291",
]


def write_lines(path: Path, lines: list[str], *, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def ml_1m(directory: Path, *, ratings: list[str] | None = None, movies: list[str] | None = None) -> Path:
    write_lines(directory / "movies.dat", movies or ML_1M_MOVIES, encoding="latin-1")
    write_lines(directory / "ratings.dat", ML_1M_RATINGS if ratings is None else ratings)
    write_lines(directory / "users.dat", ["1::F::1::10::48067", "2::M::56::16::70072", "3::M::25::15::55117"])
    return directory


def ml_100k(directory: Path) -> Path:
    genres = "unknown Action Adventure Animation Children's Comedy Crime Documentary Drama Fantasy Film-Noir Horror "
    genres += "Musical Mystery Romance Sci-Fi Thriller War Western"
    names = genres.split()
    write_lines(directory / "u.genre", [f"{name}|{index}" for index, name in enumerate(names)] + [""])

    def flags(*chosen: str) -> str:
        return "|".join("1" if name in chosen else "0" for name in names)

    toy_story = flags("Animation", "Children's", "Comedy")
    write_lines(
        directory / "u.item",
        [
            f"1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|{toy_story}",
            f"2|Cité des enfants perdus, La (1995)|01-Jan-1995||http://us.imdb.com/x|{flags('Sci-Fi')}",
            f"267|unknown|||http://us.imdb.com/x|{flags('unknown')}",
        ],
        encoding="latin-1",
    )
    write_lines(directory / "u.data", ["196\t1\t3\t881250949", "186\t2\t5\t891717742", "22\t1\t1\t878887116"])
    return directory


def ml_latest(directory: Path) -> Path:
    write_lines(
        directory / "movies.csv",
        [
            "movieId,title,genres",
            "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy",
            '11,"American President, The (1995)",Comedy|Drama|Romance',
            "193609,Andrew Dice Clay: Dice Rules (1991),(no genres listed)",
        ],
    )
    write_lines(
        directory / "ratings.csv",
        [
            "userId,movieId,rating,timestamp",
            "1,1,4.0,964982703",
            "1,11,3.5,964981247",
            "2,1,0.5,1445714835",
            "2,193609,5.0,1445714836",
        ],
    )
    write_lines(
        directory / "links.csv", ["movieId,imdbId,tmdbId", "1,0114709,862", "11,0112346,9087", "193609,0101726,"]
    )
    write_lines(
        directory / "tags.csv",
        [
            "userId,movieId,tag,timestamp",
            "2,1,pixar,1445714994",
            "3,1,Pixar,1445714995",
            '4,11,"politics, romance",1445714996',
        ],
    )
    return directory


def zip_directory(directory: Path, target: Path, *, top: str) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.iterdir()):
            archive.write(path, f"{top}/{path.name}")
    return target
