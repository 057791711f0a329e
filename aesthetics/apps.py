from django.apps import AppConfig


class AestheticsConfig(AppConfig):
    name = "aesthetics"

    def ready(self) -> None:
        # The recommender (below this app) reuses the plot vectors vibe search stores, through this reader.
        # Imported in ready(): selectors import models, which need the app registry.
        from recommendations.services import plot_vector_source_register

        from .selectors import stored_plot_vectors

        plot_vector_source_register(stored_plot_vectors)

        # New catalogue images (TMDb backdrops) are analysed like posters, so vibe search sees them too.
        from catalog.services.images import film_texts_changed_listener_register, images_added_listener_register

        from .tasks import film_texts_changed_embed, images_added_analyse

        images_added_listener_register(images_added_analyse)
        film_texts_changed_listener_register(film_texts_changed_embed)
