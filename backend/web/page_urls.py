from django.urls import path

from backend.web import account_pages, auth_pages, first_run, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", auth_pages.sign_in, name="sign-in"),
    path("sign-in/code/", auth_pages.sign_in_code, name="sign-in-code"),
    path("sign-in/set-up-second-factor/", auth_pages.sign_in_enrol, name="sign-in-enrol"),
    path("sign-out/", auth_pages.sign_out, name="sign-out"),
    path("sign-out/everywhere/", auth_pages.sign_out_all, name="sign-out-everywhere"),
    path("forgot-password/", account_pages.forgot_password, name="forgot-password"),
    # The emailed links' paths (practice/services/passwords.py, members.py): no trailing slash.
    path("reset-password", account_pages.reset_password, name="reset-password"),
    path("accept-invitation", account_pages.accept_invitation, name="accept-invitation"),
    path("welcome/", first_run.first_run, name="first-run"),
    path("account/security/", auth_pages.account_security, name="account-security"),
    path("practice/choose/", views.choose_practice, name="choose-practice"),
    path("practice/switch/", views.switch_practice, name="switch-practice"),
]
