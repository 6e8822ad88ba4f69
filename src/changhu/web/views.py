"""Placeholder, replaced by the web shell."""
from django.contrib.auth import views as auth_views
from django.http import HttpResponse


def home(request):
    return HttpResponse("长护")


login_view = auth_views.LoginView.as_view(template_name="web/login.html")
logout_view = auth_views.LogoutView.as_view()
