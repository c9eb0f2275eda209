app_name = "clearance"

urlpatterns: list = []
