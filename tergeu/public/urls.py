"""The citizens' status page, under /status/."""

from django.urls import path

from tergeu.public import views

app_name = "public"
urlpatterns = [
    path("", views.code_request, name="start"),
    path("code/", views.code_enter, name="code"),
    path("case/", views.case, name="case"),
    path("end/", views.end, name="end"),
]
