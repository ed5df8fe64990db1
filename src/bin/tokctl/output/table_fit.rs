//! Fitting a table to the terminal. Cells never wrap: ids stay whole (they
//! are there to be copied), other long cells are cut with an ellipsis, and
//! when even that is not enough the least important columns are dropped.
//! Widths are display columns (comfy-table measures with unicode-width), so
//! wide characters line up.

use comfy_table::{ColumnConstraint, Table, Width};

/// How a column gives way when the table is wider than the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Give {
    /// Never cut or dropped: ids.
    Never,
    /// Cut with an ellipsis, and dropped if cutting is not enough; a higher
    /// rank is dropped first.
    Cut(u8),
}

/// What every table column gives way by, from its header when the table
/// says nothing else: an `ID` column never gives, and later columns are
/// dropped before earlier ones.
pub fn default_give(headers: &[String]) -> Vec<Give> {
    headers
        .iter()
        .enumerate()
        .map(|(index, header)| {
            if header.eq_ignore_ascii_case("id") {
                Give::Never
            } else {
                Give::Cut(u8::try_from(index).unwrap_or(u8::MAX))
            }
        })
        .collect()
}

/// A cut column keeps at least this many columns (or its header, if
/// longer): values this short (a status, "in 3 months") are never cut, and
/// a long one keeps enough to be recognised. Columns are dropped before
/// any is cut below it.
const MIN_CUT_WIDTH: u16 = 12;
/// What a cell costs beside its content: one space of padding each side.
const PADDING: u16 = 2;

/// The content width of each column (`None`: dropped) so that a line fits
/// in `width`. `natural` holds each column's widest cell, header included;
/// `headers` their display widths.
pub fn fit(natural: &[u16], headers: &[u16], give: &[Give], width: u16) -> Vec<Option<u16>> {
    let give_of = |column: usize| give.get(column).copied().unwrap_or(Give::Cut(u8::MAX));
    let floor = |column: usize| {
        let header = headers.get(column).copied().unwrap_or(0);
        natural[column].min(header.max(MIN_CUT_WIDTH))
    };
    let mut shown = vec![true; natural.len()];
    loop {
        let mut widths: Vec<u16> = natural.to_vec();
        // The last column's right padding is trimmed from the line.
        let cost = |widths: &[u16], shown: &[bool]| -> u32 {
            let total: u32 = widths
                .iter()
                .zip(shown)
                .filter(|(_, shown)| **shown)
                .map(|(width, _)| u32::from(*width) + u32::from(PADDING))
                .sum();
            total.saturating_sub(1)
        };
        while cost(&widths, &shown) > u32::from(width) {
            // Cut the widest column that can still give, one column at a time.
            let widest = (0..widths.len())
                .filter(|&column| shown[column] && matches!(give_of(column), Give::Cut(_)))
                .filter(|&column| widths[column] > floor(column))
                .max_by_key(|&column| (widths[column], column));
            match widest {
                Some(column) => widths[column] -= 1,
                None => break,
            }
        }
        if cost(&widths, &shown) <= u32::from(width) {
            return widths
                .into_iter()
                .zip(shown)
                .map(|(width, shown)| shown.then_some(width))
                .collect();
        }
        // Still too wide: drop the column that matters least (the
        // rightmost of equal rank), and lay out the rest afresh.
        let dropped = (0..natural.len())
            .filter(|&column| shown[column])
            .filter_map(|column| match give_of(column) {
                Give::Cut(rank) => Some((rank, column)),
                Give::Never => None,
            })
            .max();
        match dropped {
            Some((_, column)) => shown[column] = false,
            // Only whole columns left: they overflow rather than lie.
            None => {
                return widths
                    .into_iter()
                    .zip(shown)
                    .map(|(width, shown)| shown.then_some(width))
                    .collect()
            }
        }
    }
}

/// Lays `table` out at `widths` (from [`fit`]): every column exactly that
/// wide, or dropped; a longer cell shows its first line cut with `…`.
pub fn apply(table: &mut Table, widths: &[Option<u16>]) {
    table.set_truncation_indicator("…");
    table.set_constraints(widths.iter().map(|width| match width {
        Some(width) => ColumnConstraint::Absolute(Width::Fixed(width + PADDING)),
        None => ColumnConstraint::Hidden,
    }));
    for row in table.row_iter_mut() {
        row.max_height(1);
    }
}

/// Lays `table` out with each column at least as wide as `widths` (no
/// terminal to fit, or `--wide`): nothing is cut, a longer cell overflows
/// its column.
pub fn apply_at_least(table: &mut Table, widths: &[u16]) {
    table.set_constraints(
        widths
            .iter()
            .map(|width| ColumnConstraint::LowerBoundary(Width::Fixed(width + PADDING))),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID_THEN_TWO: [Give; 3] = [Give::Never, Give::Cut(0), Give::Cut(1)];

    #[test]
    fn a_table_that_fits_keeps_its_widths() {
        let widths = fit(&[11, 5, 10], &[2, 4, 6], &ID_THEN_TWO, 80);
        assert_eq!(widths, [Some(11), Some(5), Some(10)]);
    }

    #[test]
    fn the_widest_cut_column_gives_first_and_ids_stay_whole() {
        // 13 + 42 + 22 - 1 = 76 > 60: the 40-wide column is cut to 24.
        let widths = fit(&[11, 40, 20], &[2, 4, 6], &ID_THEN_TWO, 60);
        assert_eq!(widths, [Some(11), Some(24), Some(20)]);
        // At 50 both long columns give, the widest first, evenly.
        let widths = fit(&[11, 40, 20], &[2, 4, 6], &ID_THEN_TWO, 50);
        assert_eq!(widths, [Some(11), Some(17), Some(17)]);
    }

    #[test]
    fn columns_are_dropped_by_rank_when_cutting_is_not_enough() {
        let give = [Give::Never, Give::Cut(0), Give::Cut(2), Give::Cut(1)];
        let widths = fit(&[11, 30, 30, 30], &[2, 4, 4, 4], &give, 40);
        assert_eq!(widths[0], Some(11));
        assert_eq!(widths[2], None, "the highest rank goes first: {widths:?}");
        let line: u16 = widths.iter().flatten().map(|w| w + PADDING).sum::<u16>() - 1;
        assert!(line <= 40, "{widths:?}");
    }

    #[test]
    fn whole_columns_overflow_rather_than_being_cut() {
        let widths = fit(&[30, 30], &[2, 2], &[Give::Never, Give::Never], 20);
        assert_eq!(widths, [Some(30), Some(30)]);
    }

    #[test]
    fn a_cut_column_keeps_its_header_and_short_values_are_never_cut() {
        let give = [Give::Never, Give::Cut(0)];
        let widths = fit(&[11, 40], &[2, 14], &give, 20);
        assert_eq!(widths, [Some(11), None], "14 does not fit beside the id");
        let widths = fit(&[11, 40], &[2, 14], &give, 30);
        assert_eq!(widths, [Some(11), Some(16)], "13 + 18 - 1 = 30");
        let widths = fit(&[11, 11], &[2, 7], &give, 20);
        assert_eq!(widths, [Some(11), None], "a short value is whole or gone");
    }
}
