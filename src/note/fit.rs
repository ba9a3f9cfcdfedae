//! Fitting a note in its length limit: cut at grapheme-ish boundaries.

use super::*;

/// Join title and URL within `max` characters, cutting the title first.
pub(super) fn fit(title: &str, url: &str, max: usize) -> String {
    let url_len = url.chars().count();
    let sep_len = SEPARATOR.chars().count();
    if title.is_empty() {
        return cut_url(url, url_len, max);
    }
    let title_len = title.chars().count();
    if title_len + sep_len + url_len <= max {
        return format!("{title}{SEPARATOR}{url}");
    }
    // Room left for the title once the URL, separator and ellipsis are in.
    let room = max.saturating_sub(url_len + sep_len + 1);
    if room >= 4 {
        let cut = cut_text(title, room);
        if !cut.is_empty() {
            return format!("{cut}{ELLIPSIS}{SEPARATOR}{url}");
        }
    }
    cut_url(url, url_len, max)
}

/// The URL alone, cut to `max` characters if needed (never inside a `%XX`).
pub(super) fn cut_url(url: &str, url_len: usize, max: usize) -> String {
    if url_len <= max {
        return url.to_string();
    }
    let mut kept: String = url.chars().take(max - 1).collect();
    // Drop a dangling, incomplete percent escape.
    let bytes = kept.as_bytes();
    let n = bytes.len();
    if n >= 1 && bytes[n - 1] == b'%' {
        kept.truncate(n - 1);
    } else if n >= 2 && bytes[n - 2] == b'%' {
        kept.truncate(n - 2);
    }
    kept.push(ELLIPSIS);
    kept
}

/// Marks that belong to the character before them: combining marks, variation
/// selectors, joiners, emoji modifiers and tags.  Not the full Unicode grapheme
/// rules, but enough not to strip accents or split common emoji sequences.
pub(super) fn is_extending(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{0591}'..='\u{05BD}'
        | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0900}'..='\u{0903}'
        | '\u{093A}'..='\u{094F}' | '\u{0951}'..='\u{0957}' | '\u{0E31}' | '\u{0E34}'..='\u{0E3A}'
        | '\u{0E47}'..='\u{0E4E}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{200C}' | '\u{200D}' | '\u{20D0}'..='\u{20FF}' | '\u{3099}' | '\u{309A}'
        | '\u{FE00}'..='\u{FE0F}' | '\u{FE20}'..='\u{FE2F}' | '\u{1F3FB}'..='\u{1F3FF}'
        | '\u{E0020}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}')
}

pub(super) fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

/// At most `room` characters of `text`, cut cleanly: never before an
/// extending mark, never after a joiner, never inside a flag pair, and at the
/// last space if one is near the end; trailing spaces and punctuation removed.
pub(super) fn cut_text(text: &str, room: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= room {
        return text.to_string();
    }
    let mut end = room;
    // Do not separate a base character from what extends it.
    while end > 0 && (is_extending(chars[end]) || chars[end - 1] == '\u{200D}') {
        end -= 1;
    }
    // Regional indicators go in pairs (flags).
    if end > 0 && is_regional_indicator(chars[end]) {
        let run = chars[..end].iter().rev().take_while(|c| is_regional_indicator(**c)).count();
        if run % 2 == 1 {
            end -= 1;
        }
    }
    // Prefer a word boundary within the last 20 characters.
    if let Some(space) = chars[..end].iter().rposition(|c| *c == ' ') {
        if space > 0 && end - space <= 20 && !chars[end].is_whitespace() {
            end = space;
        }
    }
    let mut s: String = chars[..end].iter().collect();
    let trimmed_len = s.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '—' | '|')).len();
    s.truncate(trimmed_len);
    s
}
