"""Routes of the reading list under /api/v1/ (ids matched as any segment: a malformed one is a 404)."""

from django.urls import path

from books import views

urlpatterns = [
    path("clubs/<str:club_id>/books/", views.BookListView.as_view(), name="books"),
    path("clubs/<str:club_id>/books/<str:book_id>/", views.BookDetailView.as_view(), name="book"),
    path("clubs/<str:club_id>/books/<str:book_id>/start/", views.BookStartView.as_view(), name="book-start"),
    path("clubs/<str:club_id>/books/<str:book_id>/reading/", views.ReadingListView.as_view(), name="book-reading"),
    path("clubs/<str:club_id>/books/<str:book_id>/reading/me/", views.ReadingMeView.as_view(), name="book-reading-me"),
]
