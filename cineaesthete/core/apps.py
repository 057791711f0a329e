from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cineaesthete.core"
    label = "core"
    verbose_name = "Jobs and infrastructure"
