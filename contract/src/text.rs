//! The interface text the edge shows, by key. Every key here must exist in the `[edge]`
//! table of the theme's strings file: the build checks it, so a reader never sees a raw key.

macro_rules! texts {
    ($($variant:ident => $key:literal),* $(,)?) => {
        /// A sentence or word of the edge's pages.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Text { $($variant),* }

        impl Text {
            pub const ALL: &'static [Text] = &[$(Text::$variant),*];

            /// Key in the `[edge]` table of the strings file.
            pub fn key(self) -> &'static str {
                match self { $(Text::$variant => $key),* }
            }
        }
    };
}

texts! {
    SigninTitle => "signin_title",
    BadCredentials => "bad_credentials",
    Throttled => "throttled",
    Csrf => "csrf",
    PasswordExpired => "password_expired",
    GateTitle => "gate_title",
    GateIntro => "gate_intro",
    GateNewVersion => "gate_new_version",
    ForbiddenTitle => "forbidden_title",
    NotFoundTitle => "not_found_title",
    NotFoundText => "not_found_text",
    SpaceTitle => "space_title",
    SpaceNothing => "space_nothing",
    SignedOut => "signed_out",
    SignedOutAll => "signed_out_all",
    BadRequest => "bad_request",
    MethodNotAllowed => "method_not_allowed",
    TooLarge => "too_large",
    ServerError => "server_error",
    DirectAccess => "direct_access",
    Unavailable => "unavailable",
    UnavailableText => "unavailable_text",
    InternalError => "internal_error",
    InternalErrorText => "internal_error_text",
    PasswordTitle => "password_title",
    PasswordWrongCurrent => "password_wrong_current",
    PasswordMismatch => "password_mismatch",
    PasswordChanged => "password_changed",
    PasswordTooShort => "password_too_short",
    PasswordTooLong => "password_too_long",
    PasswordCommon => "password_common",
    PasswordWeak => "password_weak",
    PasswordContainsLogin => "password_contains_login",
    MediaTitle => "media_title",
    MediaLink => "media_link",
    MediaForbidden => "media_forbidden",
    MediaBadScope => "media_bad_scope",
    MediaBadForm => "media_bad_form",
    MediaNoFile => "media_no_file",
    MediaTooManyFiles => "media_too_many_files",
    MediaQuota => "media_quota",
    MediaStoreFailed => "media_store_failed",
    MediaAccepted => "media_accepted",
    MediaRefusedHeading => "media_refused_heading",
    MediaAcceptedHeading => "media_accepted_heading",
    MediaSnippetHelp => "media_snippet_help",
    MediaAltPlaceholder => "media_alt_placeholder",
    MediaGalleryEmpty => "media_gallery_empty",
    MediaDelete => "media_delete",
    MediaDeleted => "media_deleted",
    MediaPrevious => "media_previous",
    MediaNext => "media_next",
    MediaTown => "media_town",
    MediaScopeLabel => "media_scope_label",
    MediaPages => "media_pages",
    UploadEmpty => "upload_empty",
    UploadTooLarge => "upload_too_large",
    UploadUnknownType => "upload_unknown_type",
    UploadUnsupportedImage => "upload_unsupported_image",
    UploadTooManyPixels => "upload_too_many_pixels",
    UploadAnimationTooLarge => "upload_animation_too_large",
    UploadUndecodable => "upload_undecodable",
    UploadPdfActive => "upload_pdf_active",
    UploadPdfEncrypted => "upload_pdf_encrypted",
    UploadEncodingFailed => "upload_encoding_failed",
    CommentsTitle => "comments_title_edge",
    CommentsEmpty => "comments_empty",
    CommentsPending => "comments_pending",
    CommentsRejected => "comments_rejected",
    CommentsReported => "comments_reported",
    CommentsReason => "comments_reason",
    CommentsFormLabel => "comments_form_label",
    CommentsFormHint => "comments_form_hint",
    CommentsSend => "comments_send",
    CommentsEdit => "comments_edit",
    CommentsSave => "comments_save",
    CommentsDelete => "comments_delete",
    CommentsReport => "comments_report",
    CommentsReply => "comments_reply",
    CommentsReplyLabel => "comments_reply_label",
    CommentsTeacherReply => "comments_teacher_reply",
    CommentsNotAllowed => "comments_not_allowed",
    CommentsClosed => "comments_closed",
    CommentsEmptyText => "comments_empty_text",
    CommentsTooLong => "comments_too_long",
    CommentsRateLimited => "comments_rate_limited",
    CommentsPageBusy => "comments_page_busy",
    CommentsDuplicate => "comments_duplicate",
    CommentsSentPending => "comments_sent_pending",
    CommentsSentPublished => "comments_sent_published",
    CommentsEdited => "comments_edited",
    CommentsDeleted => "comments_deleted",
    CommentsReportedDone => "comments_reported_done",
    CommentsReplied => "comments_replied",
    CommentsUnknown => "comments_unknown",
    CommentsSignin => "comments_signin",
    ModerationTitle => "moderation_title",
    ModerationLink => "moderation_link",
    ModerationPendingCount => "moderation_pending_count",
    ModerationEmpty => "moderation_empty",
    ModerationApprove => "moderation_approve",
    ModerationReject => "moderation_reject",
    ModerationReasonLabel => "moderation_reason_label",
    ModerationApproveAll => "moderation_approve_all",
    ModerationFilterLabel => "moderation_filter_label",
    ModerationFilterAll => "moderation_filter_all",
    ModerationFilterButton => "moderation_filter_button",
    ModerationOn => "moderation_on",
    ModerationBy => "moderation_by",
    ModerationApproved => "moderation_approved",
    ModerationRejected => "moderation_rejected",
    ModerationApprovedAll => "moderation_approved_all",
    ModerationForbidden => "moderation_forbidden",
    ClassListTitle => "class_list_title",
    ClassListLink => "class_list_link",
    ClassListNotice => "class_list_notice",
    ClassListAllAllowed => "class_list_all_allowed",
    ClassListNoRoster => "class_list_no_roster",
    ClassListForbidden => "class_list_forbidden",
    MyDataTitle => "my_data_title",
    MyDataLink => "my_data_link",
    MyDataAccount => "my_data_account",
    MyDataRoster => "my_data_roster",
    MyDataLinked => "my_data_linked",
    MyDataCharters => "my_data_charters",
    MyDataComments => "my_data_comments",
    MyDataUploads => "my_data_uploads",
    MyDataActivity => "my_data_activity",
    MyDataNone => "my_data_none",
    MyDataIntro => "my_data_intro",
    MyDataDownload => "my_data_download",
    MyDataRectify => "my_data_rectify",
    MyDataPhotoYes => "my_data_photo_yes",
    MyDataPhotoNo => "my_data_photo_no",
    RolePupil => "role_pupil",
    RoleParent => "role_parent",
    RoleTeacher => "role_teacher",
    RoleDirector => "role_director",
    RoleMunicipal => "role_municipal",
    RolePartner => "role_partner",
    RoleCommunication => "role_communication",
    RoleAdmin => "role_admin",
}

impl Text {
    pub fn role(role: crate::access::Role) -> Text {
        use crate::access::Role;
        match role {
            Role::Pupil => Text::RolePupil,
            Role::Parent => Text::RoleParent,
            Role::Teacher => Text::RoleTeacher,
            Role::Director => Text::RoleDirector,
            Role::Municipal => Text::RoleMunicipal,
            Role::Partner => Text::RolePartner,
            Role::Communication => Text::RoleCommunication,
            Role::Admin => Text::RoleAdmin,
        }
    }

    /// Every key the edge reads, including the month names of dates.
    pub fn required_keys() -> Vec<String> {
        let mut keys: Vec<String> = Text::ALL.iter().map(|t| t.key().to_string()).collect();
        keys.extend(crate::date::Months::keys());
        keys
    }
}
