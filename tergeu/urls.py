"""URL map: the web UI, the REST API under /api/v1/, the admin for reference data, and the
citizens' status page under /status/."""

from django.contrib import admin
from django.urls import include, path

from tergeu.api.main import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("status/", include("tergeu.public.urls")),
    path("", include("tergeu.web.urls")),
]
