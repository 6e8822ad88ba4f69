app_name = "insured"

urlpatterns: list = []
