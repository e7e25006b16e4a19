from django.urls import path

from messaging import views

urlpatterns = [
    path("sns/", views.sns_endpoint, name="sns"),
]
