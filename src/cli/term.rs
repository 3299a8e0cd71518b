//! Messages for people on stderr: `error:`, `warning:` and `note:` prefixes,
//! coloured on a terminal (`--color`, `NO_COLOR`, as ripgrep does) and wrapped
//! to its width. Piped stderr gets plain, unwrapped lines, one per message.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stderr is a terminal and NO_COLOR is unset.
    #[default]
    Auto,
    Always,
    Never,
}

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Note,
}

impl Level {
    fn prefix(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
    /// Bold red, bold yellow, bold cyan.
    fn sgr(self) -> &'static str {
        match self {
            Level::Error => "\x1b[1;31m",
            Level::Warning => "\x1b[1;33m",
            Level::Note => "\x1b[1;36m",
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Style {
    color: bool,
    /// Wrap width; 0 = do not wrap.
    width: usize,
}

static STYLE: OnceLock<Style> = OnceLock::new();

/// Sets colour and width once, from the flag and the environment.
pub fn init(choice: ColorChoice) {
    let tty = std::io::stderr().is_terminal();
    let color = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let width = if tty {
        terminal_size::terminal_size_of(std::io::stderr()).map_or(100, |(w, _)| usize::from(w.0))
    } else {
        0
    };
    let _ = STYLE.set(Style { color, width });
}

fn style() -> Style {
    *STYLE.get().unwrap_or(&Style {
        color: false,
        width: 0,
    })
}

/// Prints one message on stderr, secret keys masked and control characters
/// (escape sequences from a server's text) made spaces, whatever their source.
pub fn say(level: Level, msg: &str) {
    let msg: String = crate::safety::redact(msg)
        .chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect();
    let _ = std::io::stderr().write_all(format(level, &msg).as_bytes());
}

/// The message as printed: prefix (coloured or not), text wrapped with a hanging indent.
pub fn format(level: Level, msg: &str) -> String {
    let s = style();
    let prefix = level.prefix();
    let head = if s.color {
        format!("{}{prefix}:\x1b[0m ", level.sgr())
    } else {
        format!("{prefix}: ")
    };
    let mut out = head;
    out.push_str(&crate::render::wrap(msg, prefix.len() + 2, s.width));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use crate::render::wrap;

    #[test]
    fn wraps_at_spaces_with_a_hanging_indent() {
        let w = wrap("one two three four five six seven eight nine ten", 7, 30);
        assert_eq!(
            w,
            "one two three four five\n       six seven eight nine\n       ten"
        );
        assert!(w.lines().all(|l| l.len() + 7 <= 30 + 7));
    }

    #[test]
    fn width_zero_keeps_the_text() {
        assert_eq!(wrap("a b\nc", 7, 0), "a b\nc");
    }
}
