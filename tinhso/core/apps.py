from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tinhso.core"
    label = "core"
    verbose_name = "Dữ liệu lõi"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from tinhso.core import checks, tasks  # noqa: F401  (registers system checks and periodic jobs)
        from tinhso.core.auth import note_second_factor_on_sign_in, revoke_tokens_on_sign_out

        user_logged_out.connect(
            revoke_tokens_on_sign_out, dispatch_uid="tinhso.core.revoke_tokens_on_sign_out"
        )
        user_logged_in.connect(note_second_factor_on_sign_in, dispatch_uid="tinhso.core.note_second_factor")
