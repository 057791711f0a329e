from django.urls import path

from . import letterboxd_views, views

app_name = "reviews"
urlpatterns = [
    # Film actions (the film page's section and any film card).
    path("films/<int:film_id>/rate/", views.rate, name="rate"),
    path("films/<int:film_id>/like/", views.like, name="like"),
    path("films/<int:film_id>/watchlist/", views.watchlist_toggle, name="watchlist_toggle"),
    path("films/<int:film_id>/watchlist/edit/", views.watchlist_edit, name="watchlist_edit"),
    path("films/<int:film_id>/log/", views.diary_log, name="diary_log"),
    path("films/<int:film_id>/reviews/", views.film_reviews, name="film_reviews"),
    path("films/<int:film_id>/reviews/new/", views.review_new, name="review_new"),
    # Reviews.
    path("reviews/<int:review_id>/", views.review_detail, name="review_detail"),
    path("reviews/<int:review_id>/edit/", views.review_edit, name="review_edit"),
    path("reviews/<int:review_id>/delete/", views.review_delete, name="review_delete"),
    path("reviews/<int:review_id>/like/", views.review_like, name="review_like"),
    path("reviews/<int:review_id>/report/", views.report_review, name="report_review"),
    path("lists/<int:list_id>/report/", views.report_list, name="report_list"),
    path("members/<str:username>/report/", views.report_member, name="report_member"),
    path("content-policy/", views.content_policy, name="content_policy"),
    path("diary/<int:entry_id>/delete/", views.diary_delete, name="diary_delete"),
    # Lists.
    path("lists/new/", views.list_new, name="list_new"),
    path("lists/<int:list_id>/edit/", views.list_edit, name="list_edit"),
    path("lists/<int:list_id>/delete/", views.list_delete, name="list_delete"),
    path("lists/add/", views.list_add, name="list_add"),
    path("lists/<int:list_id>/remove/", views.list_remove, name="list_remove"),
    path("lists/<int:list_id>/reorder/", views.list_reorder, name="list_reorder"),
    path("lists/<int:list_id>/move/", views.list_move, name="list_move"),
    # The member's own pages.
    path("feed/", views.feed, name="feed"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/bell/", views.notification_bell, name="notification_bell"),
    path("notifications/unsubscribe/<str:token>/", views.digest_unsubscribe, name="digest_unsubscribe"),
    path("settings/alerts/", views.alert_settings, name="alert_settings"),
    path("people/<int:person_id>/follow/", views.person_follow, name="person_follow"),
    path("settings/favourites/", views.favourites_edit, name="favourites_edit"),
    path("settings/delete/", views.account_delete, name="account_delete"),
    path("import/letterboxd/", letterboxd_views.letterboxd_import, name="letterboxd_import"),
    path(
        "import/letterboxd/<int:import_id>/",
        letterboxd_views.letterboxd_import_detail,
        name="letterboxd_import_detail",
    ),
    path(
        "import/letterboxd/<int:import_id>/pick/",
        letterboxd_views.letterboxd_import_pick,
        name="letterboxd_import_pick",
    ),
    path("export/letterboxd/", letterboxd_views.letterboxd_export, name="letterboxd_export"),
    # Public member pages.
    path("members/<str:username>/", views.profile, name="profile"),
    path("members/<str:username>/follow/", views.follow, name="follow"),
    path("members/<str:username>/diary/", views.diary, name="diary"),
    path("members/<str:username>/diary/<int:year>/", views.diary, name="diary_year"),
    path("members/<str:username>/diary/<int:year>/<int:month>/", views.diary, name="diary_month"),
    path("members/<str:username>/watchlist/", views.watchlist, name="watchlist"),
    path("members/<str:username>/lists/", views.lists, name="lists"),
    path("members/<str:username>/lists/<slug:slug>/", views.list_detail, name="list_detail"),
    path("members/<str:username>/stats/", views.stats, name="stats"),
]
