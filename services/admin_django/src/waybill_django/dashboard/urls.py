from django.urls import path

from waybill_django.dashboard.views import (
    fleet,
    imports,
    live,
    onboarding,
    pages,
    public,
    reports,
    settings,
    shipments,
)

app_name = "dashboard"
urlpatterns = [
    path("", pages.overview, name="overview"),
    path("shipments/", shipments.shipment_index, name="shipments"),
    path("shipments/new/", shipments.shipment_new, name="shipment_new"),
    path("shipments/<int:shipment_id>/", shipments.shipment_detail, name="shipment"),
    path("shipments/<int:shipment_id>/edit/", shipments.shipment_edit, name="shipment_edit"),
    path("shipments/<int:shipment_id>/move/", shipments.shipment_move, name="shipment_move"),
    path("map/", pages.live_map, name="map"),
    path("map/data.json", live.map_data, name="map_data"),
    path("map/vehicles/<int:vehicle_id>/track.json", live.track, name="vehicle_track"),
    path("fleet/", fleet.fleet, name="fleet"),
    path("fleet/new/", fleet.vehicle_new, name="vehicle_new"),
    path("fleet/<int:vehicle_id>/edit/", fleet.vehicle_edit, name="vehicle_edit"),
    path("fleet/<int:vehicle_id>/retire/", fleet.vehicle_retire_view, name="vehicle_retire"),
    path("fleet/<int:vehicle_id>/restore/", fleet.vehicle_restore, name="vehicle_restore"),
    path("dispatch/", pages.dispatch_board, name="dispatch"),
    path("dispatch/assign/", pages.dispatch_assign, name="dispatch_assign"),
    path("driver/", pages.driver_view, name="driver"),
    path("welcome/", onboarding.welcome, name="welcome"),
    path("live/ticket/", live.ticket, name="live_ticket"),
    path("organization/switch/", live.switch, name="switch_organization"),
    path("import/", imports.import_index, name="imports"),
    path("import/<uuid:job_id>/", imports.import_detail, name="import"),
    path("import/<uuid:job_id>/errors.csv", imports.import_errors, name="import_errors"),
    path("reports/", reports.reports, name="reports"),
    path("reports/daily.csv", reports.reports_csv, name="reports_csv"),
    path("settings/members/", settings.members, name="settings_members"),
    path("settings/members/<int:membership_id>/", settings.member_change, name="settings_member"),
    path("settings/notifications/", settings.notifications, name="settings_notifications"),
    path("settings/notifications/subscription/", settings.subscription, name="settings_subscription"),
    path("settings/tokens/", settings.tokens, name="settings_tokens"),
    path("settings/tokens/<int:token_id>/revoke/", settings.token_revoke, name="settings_token_revoke"),
    path("settings/webhooks/", settings.webhooks, name="settings_webhooks"),
    path(
        "settings/webhooks/<int:endpoint_id>/enable/", settings.webhook_enable, name="settings_webhook_enable"
    ),
    path("settings/deliveries/<int:delivery_id>/", settings.delivery, name="settings_delivery"),
    path(
        "settings/deliveries/<int:delivery_id>/resend/",
        settings.delivery_resend,
        name="settings_delivery_resend",
    ),
    path("t/<str:code>", public.tracking, name="tracking"),
]
