from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "tergeu.web"
    verbose_name = _("Web interface")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tergeu.web.security import session_clock_start

        user_logged_in.connect(session_clock_start, dispatch_uid="tergeu_session_clock_start")
