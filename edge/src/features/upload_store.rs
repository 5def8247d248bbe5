//! Storing one checked upload: its versions go to the blob store first, then its row and
//! audit entry in one batch; if either step fails, what was written is taken back unless
//! another row uses the same content. Deleting is the same in reverse.

use crate::app::{Ctx, Edge};
use crate::audit::{Action, Outcome};
use crate::session::Session;
use crate::store::uploads::Upload;
use crate::store::{self, Platform, StoreError};
use preau_contract::media::{MediaKind, MediaRef, MediaScope};
use preau_contract::text::Text;
use preau_media::{Kind, Refusal};
use sha2::{Digest, Sha256};

/// What became of one file of the request.
pub(super) struct Filed {
    pub name: String,
    /// The stored file, or `None` when refused.
    pub media: Option<MediaRef>,
    /// Why it was refused (French, from the strings file).
    pub reason: String,
}

/// What the account may still upload today.
pub(super) struct Quota {
    files: i64,
    bytes: i64,
}

impl Quota {
    pub(super) async fn read<P: Platform>(
        edge: &Edge<P>,
        s: &Session,
        now: i64,
    ) -> Result<Quota, StoreError> {
        let (files, bytes) =
            store::uploads::uploaded_since(&edge.platform, s.account.id, now - 86_400).await?;
        let c = &edge.config.uploads;
        Ok(Quota {
            files: c.files_per_day - files,
            bytes: c.bytes_per_day - bytes,
        })
    }
}

fn kind(k: Kind) -> MediaKind {
    match k {
        Kind::Jpeg => MediaKind::Jpeg,
        Kind::Png => MediaKind::Png,
        Kind::Webp => MediaKind::Webp,
        Kind::Gif => MediaKind::Gif,
        Kind::Pdf => MediaKind::Pdf,
    }
}

pub(super) fn refusal_text(r: &Refusal) -> Text {
    match r {
        Refusal::Empty => Text::UploadEmpty,
        Refusal::TooLarge => Text::UploadTooLarge,
        Refusal::UnknownType => Text::UploadUnknownType,
        Refusal::UnsupportedImage => Text::UploadUnsupportedImage,
        Refusal::TooManyPixels { .. } => Text::UploadTooManyPixels,
        Refusal::AnimationTooLarge => Text::UploadAnimationTooLarge,
        Refusal::Undecodable => Text::UploadUndecodable,
        Refusal::PdfActive(_) => Text::UploadPdfActive,
        Refusal::PdfEncrypted => Text::UploadPdfEncrypted,
        Refusal::EncodingFailed => Text::UploadEncodingFailed,
    }
}

/// Check, clean and store one file. `images_only`: a PDF is refused too (the editor's
/// photo field), after the same checks.
#[allow(clippy::too_many_arguments)]
pub(super) async fn take<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    s: &Session,
    scope: &MediaScope,
    name: String,
    data: &[u8],
    quota: &mut Quota,
    images_only: bool,
) -> Result<Filed, StoreError> {
    let refuse = |name: String, reason: &str| Filed {
        name,
        media: None,
        reason: reason.to_string(),
    };
    let l = &s.account.login;
    if quota.files <= 0 || quota.bytes < data.len() as i64 {
        let c = &edge.config.uploads;
        let msg = cx
            .site
            .t(Text::MediaQuota)
            .replace("{fichiers}", &c.files_per_day.to_string())
            .replace("{mo}", &(c.bytes_per_day >> 20).to_string());
        edge.audit(cx, l, Action::Upload, &name, Outcome::Refused)
            .await?;
        return Ok(refuse(name, &msg));
    }
    let checked = match preau_media::inspect(data, &edge.config.uploads.media) {
        Ok(c) => c,
        Err(r) => {
            let target = format!("{name} ({})", r.key());
            edge.audit(cx, l, Action::Upload, &target, Outcome::Refused)
                .await?;
            let max_mb = (edge.config.uploads.media.max_bytes >> 20).to_string();
            let reason = cx.site.t(refusal_text(&r)).replace("{mo}", &max_mb);
            return Ok(refuse(name, &reason));
        }
    };
    if images_only && !checked.kind.is_image() {
        let target = format!("{name} (not_an_image)");
        edge.audit(cx, l, Action::Upload, &target, Outcome::Refused)
            .await?;
        return Ok(refuse(name, cx.site.t(Text::WritePhotoNotImage)));
    }
    let digest = Sha256::digest(&checked.bytes);
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let k = kind(checked.kind);
    let media = MediaRef {
        scope: scope.clone(),
        hash,
        kind: k,
        size: checked.width.zip(checked.height).filter(|_| k.is_image()),
        variant: None,
    };
    let Some(total) = write_versions(edge, &media, &checked).await else {
        return Ok(refuse(name, cx.site.t(Text::MediaStoreFailed)));
    };
    let url = media.url();
    let row = store::uploads::insert(
        &scope.as_path(),
        &media.hash,
        k.ext(),
        media.size,
        total as u64,
        &name,
        s.account.id,
        cx.now,
    );
    let log = edge.audit_statement(cx, l, Action::Upload, &url, Outcome::Success);
    let counted = store::uploads::log(s.account.id, cx.now, total as u64);
    if let Err(e) = edge.platform.batch(vec![row, log, counted]).await {
        take_back(edge, &media.hash, &versions_keys(&media)).await;
        return Err(e);
    }
    quota.files -= 1;
    quota.bytes -= total as i64;
    Ok(Filed {
        name,
        media: Some(media),
        reason: String::new(),
    })
}

/// The blob keys of a file and its smaller versions.
fn versions_keys(media: &MediaRef) -> Vec<String> {
    let mut keys = vec![media.blob_key()];
    keys.extend(media.variants().iter().map(MediaRef::blob_key));
    keys
}

/// Write the file and its versions; on a failure, take back what was written and return
/// `None`. Returns the bytes stored.
async fn write_versions<P: Platform>(
    edge: &Edge<P>,
    media: &MediaRef,
    checked: &preau_media::Inspected,
) -> Option<usize> {
    let mut versions: Vec<(String, &[u8])> = vec![(media.blob_key(), &checked.bytes)];
    for v in &checked.variants {
        let key = MediaRef {
            variant: Some(v.width),
            ..media.clone()
        }
        .blob_key();
        versions.push((key, &v.bytes));
    }
    let mut written = Vec::new();
    for (key, bytes) in &versions {
        if let Err(e) = edge.platform.put_blob(key, bytes, media.kind.mime()).await {
            edge.platform.error(&format!("upload {key} : {e}"));
            take_back(edge, &media.hash, &written).await;
            return None;
        }
        written.push(key.clone());
    }
    Some(versions.iter().map(|(_, b)| b.len()).sum())
}

/// Remove blobs written for a content that ended up with no row (best effort: logged).
async fn take_back<P: Platform>(edge: &Edge<P>, hash: &str, keys: &[String]) {
    match store::uploads::uses(&edge.platform, hash).await {
        Ok(0) => {
            for key in keys {
                if let Err(e) = edge.platform.delete_blob(key).await {
                    edge.platform.error(&format!("nettoyage de {key} : {e}"));
                }
            }
        }
        Ok(_) => {}
        Err(e) => edge.platform.error(&format!("nettoyage de {hash} : {e}")),
    }
}

/// Delete an upload's row (and its audit entry), then its blobs if no row uses them.
pub(super) async fn remove<P: Platform>(
    edge: &Edge<P>,
    cx: &Ctx<'_>,
    s: &Session,
    row: &Upload,
    media: &MediaRef,
) -> Result<(), StoreError> {
    let l = &s.account.login;
    let change = vec![store::uploads::delete(row.id)];
    edge.commit(cx, change, l, Action::UploadDelete, &media.url())
        .await?;
    take_back(edge, &media.hash, &versions_keys(media)).await;
    Ok(())
}
