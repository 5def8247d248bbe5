//! Reading ONDE files: encodings, line ends, headers, bad lines, child groups.

use super::*;

const PUPILS: &str = "Nom élève;Nom d'usage élève;Prénom élève;Date naissance;Sexe;INE;Adresse1;Cp1;Commune1;Pays1;Adresse2;Cp2;Commune2;Pays2; Cycle;Niveau;Libellé classe;Identifiant classe;Attestation fournie;Autorisation associations;Autorisation photo;Décision de passage;\n\
MARTIN;;Léa;03/05/2018;F;123456789AB;1 rue des Lilas;45000;Alpha;France;;;;;2;CE1;CE1 A;1001;Oui;Oui;Non;;\n";

fn pupils_of(p: &Parsed) -> &[PupilRow] {
    match &p.rows {
        Some(Rows::Pupils(r)) => r,
        other => panic!("not pupils: {other:?} {:?}", p.errors),
    }
}

#[test]
fn headers_are_normalised() {
    assert_eq!(normalise("  Nom  Elève "), "nom eleve");
    assert_eq!(normalise("NOM D’USAGE ÉLÈVE"), "nom d'usage eleve");
    assert_eq!(normalise(" Cycle"), "cycle");
    assert_eq!(name_key("Jean-Marc  Œuvrard"), "jean marc oeuvrard");
}

#[test]
fn dates_are_checked() {
    assert_eq!(parse_date("03/05/2018").as_deref(), Some("2018-05-03"));
    assert_eq!(parse_date("29/02/2016").as_deref(), Some("2016-02-29"));
    assert_eq!(parse_date("29/02/2017"), None);
    assert_eq!(parse_date("2018-05-03"), None);
    assert_eq!(parse_date("31/04/2018"), None);
}

#[test]
fn current_pupils_file_reads_with_bom_and_crlf() {
    let text = format!("\u{feff}{}", PUPILS.replace('\n', "\r\n"));
    let p = parse("eleves.csv", text.as_bytes());
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let r = &pupils_of(&p)[0];
    assert_eq!(r.first_name, "Léa");
    assert_eq!(r.birth_date, "2018-05-03");
    assert_eq!(r.class_label, "CE1 A");
    assert!(!r.photo_allowed);
    assert_eq!(r.place.line, 2);
}

#[test]
fn windows_1252_is_detected() {
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(
        "Nom Elève;Prénom Elève;Date naissance;Classe;Autorisations photos\nŒUVRARD;Zoé;01/02/2019;CP;Oui\n",
    );
    let p = parse("CSVExtraction-eleves.csv", &bytes);
    assert_eq!(p.encoding, "Windows-1252");
    let r = &pupils_of(&p)[0];
    assert_eq!(r.last_name, "ŒUVRARD");
    assert_eq!(r.first_name, "Zoé");
    assert!(r.photo_allowed);
}

#[test]
fn missing_column_refuses_the_file() {
    let p = parse(
        "eleves.csv",
        "Nom élève;Prénom élève;Libellé classe;Autorisation photo\nA;B;CP;Oui\n".as_bytes(),
    );
    assert!(p.rows.is_none());
    let msg = p.errors[0].to_string();
    assert!(msg.contains("Date naissance"), "{msg}");
}

#[test]
fn bad_lines_are_all_reported_and_nothing_is_kept() {
    let text =
        format!("{PUPILS}DURAND;;Tom;31/02/2018;M;;;;;;;;;;2;CE1;CE1 A;1001;;;Oui;;\nPETIT;;Ana\n");
    let p = parse("eleves.csv", text.as_bytes());
    assert!(p.rows.is_none());
    assert_eq!(p.errors.len(), 2, "{:?}", p.errors);
    assert!(p.errors[0].to_string().starts_with("eleves.csv:3 :"));
    assert!(p.errors[1].to_string().starts_with("eleves.csv:4 :"));
}

#[test]
fn unknown_column_is_a_warning() {
    let p = parse(
        "e.csv",
        "Nom élève;Prénom élève;Date naissance;Classe;Autorisation photo;Couleur préférée\nA;B;01/01/2019;CP;Non;bleu\n"
            .as_bytes(),
    );
    assert!(p.rows.is_some());
    assert_eq!(p.warnings.len(), 1);
    assert!(p.warnings[0].contains("« Couleur préférée » (colonne 6)"));
}

#[test]
fn guardians_have_repeated_child_groups() {
    let text = "Civilité Responsable;Nom usage responsable;Nom responsable;Prénom responsable;Adresse responsable;CP responsable;Commune responsable;Pays;Courriel;Téléphone domicile;Téléphone travail;Téléphone portable;Nom d'usage enfant;Nom de famille enfant;Prénom enfant;Classes enfants;Nom d'usage enfant;Nom de famille enfant;Prénom enfant;Classes enfants\n\
MME;;MARTIN;Claire;1 rue des Lilas;45000;Alpha;France;c@example.org;0102030405;;0605040302;;MARTIN;Léa;CE1 A;;MARTIN;Hugo;CE1 A\n";
    let p = parse("responsables.csv", text.as_bytes());
    let Some(Rows::Guardians(g)) = &p.rows else {
        panic!("{:?}", p.errors)
    };
    assert_eq!(g[0].children.len(), 2);
    assert_eq!(g[0].children[1].first_name, "Hugo");
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn teachers_file_is_recognised() {
    let text = "Civilité;Nom usage;Nom;Prénom;Adresse;CP;Commune;Pays;Courriel;Téléphone domicile;Téléphone portable;Directeur;Classe\nM.;;BERNARD;Paul;;;;;p@example.org;;;Oui;CM2 B\n";
    let p = parse("enseignants.csv", text.as_bytes());
    let Some(Rows::Teachers(t)) = &p.rows else {
        panic!("{:?}", p.errors)
    };
    assert!(t[0].director);
}

#[test]
fn line_numbers_count_crlf_and_blank_lines() {
    let text = format!(
        "{}\r\n\r\nPETIT;;Ana\r\n",
        PUPILS.replace('\n', "\r\n").trim_end()
    );
    let p = parse("eleves.csv", text.as_bytes());
    assert!(
        p.errors[0].to_string().starts_with("eleves.csv:4 :"),
        "{:?}",
        p.errors
    );
}

#[test]
fn header_only_file_has_no_rows() {
    let p = parse("eleves.csv", PUPILS.lines().next().unwrap_or("").as_bytes());
    assert!(p.rows.as_ref().is_some_and(Rows::is_empty));
}
