from django.conf import settings
from django.urls import path

from tinhso.core.production import SANDBOX_PATH
from tinhso.payments import dvcqg, sandbox, views, vnpay

app_name = "payments"
IPN_PATH = "/thanh-toan/vnpay/ipn"  # answered early by payments.middleware.gateway_callbacks
urlpatterns = [
    path("thanh-toan/ho-so/<str:code>/", views.open_order, name="open"),
    path(IPN_PATH.lstrip("/"), views.vnpay_ipn, name="vnpay-ipn"),
    path("thanh-toan/vnpay/tra-ve", views.vnpay_return, name="vnpay-return"),
    path("thanh-toan/dvcqg/xac-nhan", views.dvcqg_confirm, name="dvcqg-confirm"),
    path("can-bo/thanh-toan/", views.reconciliations, name="reconciliations"),
    path("can-bo/thanh-toan/sao-ke/", views.import_statement, name="import-statement"),
    path("can-bo/thanh-toan/doi-soat/", views.run_reconciliation, name="reconcile"),
    path("can-bo/thanh-toan/doi-soat/<int:pk>/", views.reconciliation, name="reconciliation"),
    path("can-bo/thanh-toan/lenh/<str:reference>/hoan-tien/", views.refund, name="refund"),
    path("thanh-toan/<str:reference>/", views.order, name="order"),
    path("thanh-toan/<str:reference>/tra/", views.pay, name="pay"),
]
# The local sandbox gateway: demo and test mode only, never mounted in production.
if settings.TINHSO_ENV != "production":
    SANDBOX = SANDBOX_PATH.strip("/")
    urlpatterns += [
        path(SANDBOX + vnpay.PAY_PATH, sandbox.pay, name="sandbox-pay"),
        path(SANDBOX + vnpay.API_PATH, sandbox.merchant_api, name="sandbox-api"),
        path(SANDBOX + "/dvcqg" + dvcqg.INIT_PATH, sandbox.dvcqg_init, name="sandbox-dvcqg-init"),
        path(SANDBOX + "/dvcqg/thanh-toan", sandbox.dvcqg_pay, name="sandbox-dvcqg-pay"),
    ]
