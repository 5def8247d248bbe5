//! The audit log's vocabulary: every write and every refused access is one `Entry` with UTC
//! time, actor, an `Action`, a target, an `Outcome` and a truncated client address. Never
//! holds a password or a token. The SQL is in `store::audit`.

use std::net::IpAddr;

pub const DEFAULT_RETENTION_DAYS: i64 = 365;

macro_rules! words {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The word stored in the log (stable: exports and scripts read it).
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }
    };
}

words! {
    /// What was done.
    Action {
        Signin => "signin",
        Signout => "signout",
        SignoutAll => "signout_all",
        CharterAccept => "charter_accept",
        Access => "access",
        AccountCreate => "account_create",
        AccountDisable => "account_disable",
        PasswordReset => "password_reset",
        PasswordChange => "password_change",
        Upload => "upload",
        UploadDelete => "upload_delete",
        RosterImport => "roster_import",
        CommentPost => "comment_post",
        CommentEdit => "comment_edit",
        CommentDelete => "comment_delete",
        CommentApprove => "comment_approve",
        CommentReject => "comment_reject",
        CommentReport => "comment_report",
        CommentReply => "comment_reply",
        PostSave => "post_save",
        PostPublish => "post_publish",
        PostSubmit => "post_submit",
        PostValidate => "post_validate",
        PostRefuse => "post_refuse",
        PostUnpublish => "post_unpublish",
        Activation => "activation",
        ActivationCodes => "activation_codes",
        RepoConflict => "repo_conflict",
        RepoSync => "repo_sync",
        // The whole instance written out (`preau export`); the target says whether the
        // password hashes went with it.
        Export => "export",
        ClassArchive => "class_archive",
        // The archive route (actor `archive`): the listing of stored uploads, one object
        // read, one object written by an import.
        ArchiveList => "archive_list",
        ArchiveRead => "archive_read",
        ArchiveWrite => "archive_write",
    }
}

words! {
    /// How it ended.
    Outcome {
        Success => "success",
        Failure => "failure",
        Throttled => "throttled",
        PasswordExpired => "password_expired",
        Denied => "denied",
        Refused => "refused",
        Expired => "expired",
        AlreadyUsed => "already_used",
    }
}

/// One entry to append.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: &'a str,
    pub action: Action,
    pub target: &'a str,
    pub outcome: Outcome,
    pub client: &'a str,
}

/// Where a change made by the command line comes from, in the `client` column.
pub const CLI_CLIENT: &str = "cli";

/// Keep the network, drop the host: /24 for IPv4, /48 for IPv6 (CNIL's advice for logs
/// that must identify a connection without tracking a household forever).
pub fn truncate_ip(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V4(v4)) => {
            let o = v4.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
        None => "-".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_truncated() {
        assert_eq!(truncate_ip("192.0.2.77".parse().ok()), "192.0.2.0/24");
        assert_eq!(
            truncate_ip("2001:db8:1:2::5".parse().ok()),
            "2001:db8:1::/48"
        );
        assert_eq!(truncate_ip(None), "-");
    }

    #[test]
    fn words_are_distinct() {
        let mut seen: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), Action::ALL.len());
    }
}
