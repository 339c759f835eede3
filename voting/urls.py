urlpatterns: list[object] = []  # the ballot pages (voting/views.py) are added here
