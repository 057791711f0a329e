from django.apps import AppConfig


class SentimentConfig(AppConfig):
    name = "reviews.sentiment"
    label = "sentiment"
    verbose_name = "Audience sentiment"

    def ready(self) -> None:
        # Imported here, not at the top: the module reads models, which exist only once apps are ready.
        from . import browse

        browse.register()
