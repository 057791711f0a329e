from django.apps import AppConfig


class SentimentConfig(AppConfig):
    name = "reviews.sentiment"
    label = "sentiment"
    verbose_name = "Audience sentiment"
