//! Compile-time checks the `WidgetData` derive emits for a `.widget` file: each literal action
//! `type` of the template is a type of the app's action union, and each literal form field
//! name is one of that action's `#[action(form)]` fields. They run in constants, so a typo is
//! a compile error. Not a public API: nothing here follows semver.

use crate::action::Action;

/// The longest message these checks build.
const MESSAGE: usize = 1024;

/// A message built in a constant: what `panic!` prints when a check fails.
struct Message {
    bytes: [u8; MESSAGE],
    len: usize,
}

impl Message {
    const fn new() -> Self {
        Message {
            bytes: [0; MESSAGE],
            len: 0,
        }
    }

    const fn push(mut self, text: &str) -> Self {
        let text = text.as_bytes();
        let mut index = 0;
        while index < text.len() && self.len < MESSAGE {
            self.bytes[self.len] = text[index];
            self.len += 1;
            index += 1;
        }
        self
    }

    const fn fail(&self) -> ! {
        let (bytes, _) = self.bytes.split_at(self.len);
        match core::str::from_utf8(bytes) {
            Ok(message) => panic!("{}", message),
            // Cut inside a character: what fits before it.
            Err(error) => {
                let (bytes, _) = bytes.split_at(error.valid_up_to());
                match core::str::from_utf8(bytes) {
                    Ok(message) => panic!("{}", message),
                    Err(_) => panic!("a widget template check failed"),
                }
            }
        }
    }
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut index = 0;
    while index < a.len() {
        if a[index] != b[index] {
            return false;
        }
        index += 1;
    }
    true
}

/// The edit distance between `left` and `right` (bytes; the first 63 of each).
const fn distance(left: &str, right: &str) -> usize {
    const MAX: usize = 63;
    let (left, right) = (left.as_bytes(), right.as_bytes());
    let rows = if left.len() < MAX { left.len() } else { MAX };
    let columns = if right.len() < MAX { right.len() } else { MAX };
    let mut previous = [0_usize; MAX + 1];
    let mut current = [0_usize; MAX + 1];
    let mut column = 0;
    while column <= columns {
        previous[column] = column;
        column += 1;
    }
    let mut row = 1;
    while row <= rows {
        current[0] = row;
        let mut column = 1;
        while column <= columns {
            let cost = if left[row - 1] == right[column - 1] {
                0
            } else {
                1
            };
            let substitution = previous[column - 1] + cost;
            let deletion = previous[column] + 1;
            let insertion = current[column - 1] + 1;
            let mut best = substitution;
            if deletion < best {
                best = deletion;
            }
            if insertion < best {
                best = insertion;
            }
            current[column] = best;
            column += 1;
        }
        let mut copied = 0;
        while copied <= columns {
            previous[copied] = current[copied];
            copied += 1;
        }
        row += 1;
    }
    previous[columns]
}

/// The action type of `A` closest to `literal`.
const fn closest<A: Action>(literal: &str) -> &'static str {
    let specs = A::SPECS;
    let mut best = "";
    let mut best_distance = usize::MAX;
    let mut index = 0;
    while index < specs.len() {
        let candidate = specs[index].action_type;
        let d = distance(literal, candidate);
        if d < best_distance {
            best = candidate;
            best_distance = d;
        }
        index += 1;
    }
    best
}

/// Fails (at compile time, in a constant) unless `literal` is an action type of `A`. `site`
/// says where the literal is: "in `widgets/todo.widget`, line 12 of its template".
pub const fn action_type<A: Action>(literal: &str, site: &str) {
    let specs = A::SPECS;
    let mut index = 0;
    while index < specs.len() {
        if same(specs[index].action_type, literal) {
            return;
        }
        index += 1;
    }
    Message::new()
        .push("unknown action type `")
        .push(literal)
        .push("` ")
        .push(site)
        .push(": the closest known type is `")
        .push(closest::<A>(literal))
        .push("`")
        .fail();
}

/// Fails (at compile time, in a constant) unless the form field `name` (its first dotted
/// segment) is one of the `#[action(form)]` fields of the action of type `action_type` in `A`.
/// An unknown `action_type` passes: [`action_type`] reports it.
pub const fn form_field<A: Action>(action_type: &str, name: &str, site: &str) {
    let specs = A::SPECS;
    let mut index = 0;
    while index < specs.len() {
        let spec = &specs[index];
        if same(spec.action_type, action_type) {
            let head = first_segment(name);
            let fields = spec.form_fields;
            let mut field = 0;
            while field < fields.len() {
                if same(fields[field], head) {
                    return;
                }
                field += 1;
            }
            let mut message = Message::new()
                .push("form field `")
                .push(name)
                .push("` ")
                .push(site)
                .push(" is not a form field of the action `")
                .push(action_type)
                .push("` (");
            if fields.is_empty() {
                message = message.push("it has no `#[action(form)]` fields");
            } else {
                message = message.push("its `#[action(form)]` fields: ");
                let mut field = 0;
                while field < fields.len() {
                    if field > 0 {
                        message = message.push(", ");
                    }
                    message = message.push(fields[field]);
                    field += 1;
                }
            }
            message.push(")").fail();
        }
        index += 1;
    }
}

/// `name` up to its first `.`.
const fn first_segment(name: &str) -> &str {
    let bytes = name.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'.' {
            let (head, _) = name.split_at(index);
            return head;
        }
        index += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::{distance, first_segment, same};

    #[test]
    fn helpers() {
        assert_eq!(distance("tgogle", "toggle"), 2);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("add_todo", "add_todo"), 0);
        assert!(same("a.b", "a.b"));
        assert!(!same("a", "ab"));
        assert_eq!(first_segment("todo.title"), "todo");
        assert_eq!(first_segment("title"), "title");
    }
}
