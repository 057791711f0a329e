from django.apps import AppConfig


class AestheticsConfig(AppConfig):
    name = "aesthetics"
