urlpatterns: list[object] = []  # the ballot API (voting/api.py) is added here
