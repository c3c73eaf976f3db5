from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tergeu.api"
    label = "api"
    verbose_name = "API"
