from django.contrib.auth import views as auth_views
from django.urls import path

from tergeu.web import (
    court,
    covert,
    defence,
    evidence,
    execution,
    persons,
    statistics,
    unit,
    views,
)

app_name = "web"
urlpatterns = [
    path(
        "login/",
        views.SignIn.as_view(template_name="web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.my_cases, name="my_cases"),
    path("queue/", views.my_queue, name="my_queue"),
    path("inbox/", views.my_inbox, name="my_inbox"),
    path("supervision/", views.supervision, name="supervision"),
    path("unit/", unit.unit, name="unit"),
    path("execution/", execution.execution_orders, name="execution_orders"),
    path("court/", court.court, name="court"),
    path("statistics/", statistics.statistics, name="statistics"),
    path("statistics/cases/", statistics.cases, name="statistics_cases"),
    path("statistics/anomalies/", statistics.anomalies, name="statistics_anomalies"),
    path("defence/", defence.defence, name="defence"),
    path("defence/clients/<int:admission_id>/motions/", defence.motion, name="motion_new"),
    path(
        "defence/clients/<int:admission_id>/motions/<int:seq>/complaint/",
        defence.complaint,
        name="motion_complaint",
    ),
    path("defence/clients/<int:admission_id>/evidence/", defence.evidence, name="defence_evidence"),
    path(
        "defence/clients/<int:admission_id>/disclosures/",
        defence.disclosures,
        name="disclosures",
    ),
    path("reports/new/", views.report_new, name="report_new"),
    path("persons/lookup/", persons.person_lookup, name="person_lookup"),
    path("reports/<int:report_id>/", views.report, name="report"),
    path("cases/<int:case_id>/", views.case, name="case"),
    path("cases/<int:case_id>/journal/", views.journal, name="journal"),
    path("cases/<int:case_id>/why-not/", views.acts_refused, name="acts_refused"),
    path("cases/<int:case_id>/acts/<slug:kind>/", views.act_new, name="act_new"),
    path("cases/<int:case_id>/attachments/", views.attachment_new, name="attachment_new"),
    path("cases/<int:case_id>/attachments/<int:seq>/", views.attachment, name="attachment"),
    path("cases/<int:case_id>/acts/<int:seq>/document/", views.act_document, name="act_document"),
    path("cases/<int:case_id>/evidence/", evidence.seize, name="evidence_seize"),
    path("cases/<int:case_id>/evidence/<int:number>/", evidence.item, name="evidence_item"),
    path(
        "cases/<int:case_id>/evidence/<int:number>/label/",
        evidence.label,
        name="evidence_label",
    ),
    path(
        "cases/<int:case_id>/evidence/<int:number>/<slug:step>/",
        evidence.step,
        name="evidence_step",
    ),
    path("cases/<int:case_id>/acts/<int:seq>/sign/", views.act_sign, name="act_sign"),
    path("cases/<int:case_id>/covert/<int:number>/", covert.compartment, name="compartment"),
    path(
        "cases/<int:case_id>/covert/<int:number>/requests/<int:seq>/decision/",
        covert.decide,
        name="compartment_decide",
    ),
    path(
        "cases/<int:case_id>/covert/<int:number>/acts/<slug:kind>/",
        covert.act_new,
        name="compartment_act_new",
    ),
    path(
        "cases/<int:case_id>/covert/<int:number>/acts/<int:seq>/document/",
        covert.act_document,
        name="compartment_act_document",
    ),
    path(
        "cases/<int:case_id>/covert/<int:number>/acts/<int:seq>/sign/",
        covert.act_sign,
        name="compartment_act_sign",
    ),
]
