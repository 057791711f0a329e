from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"

    def ready(self) -> None:
        # The watchlist (reviews, below this app) sorts by taste fit through the scorer registered here.
        # Imported in ready(): models and selectors may only be imported once the app registry is ready.
        from reviews.selectors import film_fit_scorer_register

        from .selectors import predicted_ratings

        film_fit_scorer_register(predicted_ratings)
