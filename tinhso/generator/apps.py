from django.apps import AppConfig


class GeneratorConfig(AppConfig):
    """`tinhso gen`: realistic history for benchmarks and demos, written through bulk paths."""

    name = "tinhso.generator"
    label = "generator"
    verbose_name = "Data generator"
