from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"

    def ready(self) -> None:
        # The catalogue (below this app) announces new availability and new films through these listeners;
        # the watchlist and director alerts live here. Imported in ready(): services import models.
        from catalog.services.streaming import availability_listener_register, films_added_listener_register

        from .services import director_films_notify, watchlist_availability_notify

        availability_listener_register(watchlist_availability_notify)
        films_added_listener_register(director_films_notify)
