"""The member web app at the site root (the API lives under /api/v1/, the admin under /admin/)."""

from django.urls import path

from web.views import account, clubs, events, notifications, reading

app_name = "web"

urlpatterns = [
    path("", clubs.home, name="home"),
    path("signin/", account.SignInView.as_view(), name="login"),
    path("signout/", account.SignOutView.as_view(), name="logout"),
    path("register/", account.register, name="register"),
    path("password-reset/", account.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", account.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        account.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", account.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("profile/", account.profile, name="profile"),
    path("profile/password/", account.password_change, name="password_change"),
    path("profile/sessions/", account.sessions_end, name="sessions_end"),
    path("profile/email/", notifications.email_settings, name="email_settings"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/<str:notification_id>/read/", notifications.notification_read, name="notification_read"),
    path("clubs/", clubs.discover, name="discover"),
    path("clubs/<str:club_id>/", clubs.club_detail, name="club"),
    path("clubs/<str:club_id>/join/", clubs.club_join, name="club_join"),
    path("clubs/<str:club_id>/leave/", clubs.club_leave, name="club_leave"),
    path("clubs/<str:club_id>/members/", clubs.member_add, name="member_add"),
    path("clubs/<str:club_id>/members/<str:user_id>/", clubs.member_change, name="member_change"),
    path("clubs/<str:club_id>/meetings/new/", events.event_new, name="meeting_new"),
    path("clubs/<str:club_id>/books/", reading.books, name="books"),
    path("clubs/<str:club_id>/books/add/", reading.book_add, name="book_add"),
    path("clubs/<str:club_id>/books/<str:book_id>/start/", reading.book_start, name="book_start"),
    path("clubs/<str:club_id>/books/<str:book_id>/reading/", reading.reading, name="reading"),
    path("polls/<str:poll_id>/", reading.poll, name="poll"),
    path("polls/<str:poll_id>/vote/", reading.poll_vote, name="poll_vote"),
    path("polls/<str:poll_id>/close/", reading.poll_close, name="poll_close"),
    path("invites/<str:code>/", clubs.invite, name="invite"),
    path("meetings/<str:event_id>/", events.event_detail, name="meeting"),
    path("meetings/<str:event_id>/edit/", events.event_edit, name="meeting_edit"),
    path("meetings/<str:event_id>/cancel/", events.event_cancel, name="meeting_cancel"),
    path("meetings/<str:event_id>/rsvp/", events.rsvp, name="rsvp"),
    path("meetings/<str:event_id>/items/", events.item_add, name="item_add"),
    path("meetings/<str:event_id>/items/<str:item_id>/", events.item_change, name="item_change"),
    path("meetings/<str:event_id>/calendar.ics", events.event_calendar, name="meeting_ics"),
]
