"""What the recommender's validation benches share: Django set up, the ML-1M ratings (the local mirror unless
--ratings-file), and the RecBole split, of which they read the train and validation parts only, never test."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cineaesthete.settings")


def validation_split(parser: argparse.ArgumentParser):
    """(parsed arguments, RecBole ML-1M split) with --ratings-file and --seed added to ``parser``."""
    import django

    django.setup()
    from django.conf import settings

    from recommendations.engine import evaluation
    from recommendations.engine.data import load_ratings_file

    parser.add_argument("--ratings-file", type=Path, default=Path(settings.DATA_MIRROR) / "ml-1m" / "ratings.dat")
    parser.add_argument("--seed", type=int, default=2020)
    arguments = parser.parse_args()
    return arguments, evaluation.recbole_split(load_ratings_file(arguments.ratings_file), seed=arguments.seed)
