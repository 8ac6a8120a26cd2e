from django.urls import path

from backend.web import auth_pages, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", auth_pages.sign_in, name="sign-in"),
    path("sign-in/code/", auth_pages.sign_in_code, name="sign-in-code"),
    path("sign-in/set-up-second-factor/", auth_pages.sign_in_enrol, name="sign-in-enrol"),
    path("sign-out/", auth_pages.sign_out, name="sign-out"),
    path("sign-out/everywhere/", auth_pages.sign_out_all, name="sign-out-everywhere"),
    path("account/security/", auth_pages.account_security, name="account-security"),
    path("practice/choose/", views.choose_practice, name="choose-practice"),
    path("practice/switch/", views.switch_practice, name="switch-practice"),
]
