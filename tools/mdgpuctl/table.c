// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdgpuctl: tables through util-linux's libsmartcols.
 *
 * Every table of the tool (list parents, types, instances, tunables; stats
 * --csv) is built here from a column table, so column selection (-o),
 * --raw, --noheadings and --csv behave the same way everywhere, as they do
 * in lsblk or findmnt. libsmartcols aligns the columns; CSV (RFC 4180,
 * for spreadsheets) is written from the same cells by mdg_table_print().
 */
#include <errno.h>
#include <getopt.h>
#include <libsmartcols.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mdgpuctl.h"

/**
 * struct mdg_table - a table being filled
 * @tb: libsmartcols' table, holding the selected columns in output order
 * @cols: every column the table knows (from the caller)
 * @nr_cols: entries of @cols
 * @sel: for each column of @tb, its index in @cols
 * @nr_sel: columns of @tb
 * @csv: print as CSV instead of through libsmartcols
 * @noheadings: no header line (CSV too)
 */
struct mdg_table {
	struct libscols_table *tb;
	const struct mdg_col *cols;
	size_t nr_cols;
	size_t sel[MDG_TABLE_MAX_COLS];
	size_t nr_sel;
	bool csv;
	bool noheadings;
};

static int find_col(const struct mdg_col *cols, size_t n, const char *name,
		    size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(cols[i].name) == len &&
		    !strncasecmp(cols[i].name, name, len))
			return (int)i;
	return -1;
}

/* "-o" with a leading '+' adds to the default columns, as in lsblk. */
static int select_cols(struct mdg_table *t, const char *spec)
{
	const char *s = spec;
	size_t i;

	t->nr_sel = 0;
	if (!spec || *spec == '+') {
		for (i = 0; i < t->nr_cols; i++)
			if (!(t->cols[i].flags & MDG_COL_EXTRA))
				t->sel[t->nr_sel++] = i;
		if (!spec)
			return 0;
		s++;
	}
	while (*s) {
		size_t len = strcspn(s, ",");
		int k = find_col(t->cols, t->nr_cols, s, len);

		if (k < 0 || t->nr_sel >= MDG_TABLE_MAX_COLS) {
			mdg_warn("unknown column '%.*s' (columns: %s)", (int)len,
				 s, mdg_table_col_names(t->cols, t->nr_cols));
			return -EINVAL;
		}
		t->sel[t->nr_sel++] = (size_t)k;
		s += len;
		if (*s == ',')
			s++;
	}
	if (!t->nr_sel) {
		mdg_warn("no columns selected");
		return -EINVAL;
	}
	return 0;
}

/**
 * mdg_table_col_names() - the names of a table's columns, for messages
 * @cols: the columns
 * @n: how many
 *
 * Return: "A,B,C" in a static buffer (truncated if very long).
 */
const char *mdg_table_col_names(const struct mdg_col *cols, size_t n)
{
	static char buf[512];
	size_t i, off = 0;

	buf[0] = 0;
	for (i = 0; i < n && off < sizeof(buf); i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s",
				i ? "," : "", cols[i].name);
	return buf;
}

/**
 * mdg_table_new() - start a table
 * @out: receives the table
 * @cols: every column the table can have, in default order
 * @nr_cols: entries of @cols (at most MDG_TABLE_MAX_COLS)
 * @o: the user's output options (columns, raw, noheadings, csv)
 *
 * Return: 0, or -EINVAL (message printed) for an unknown column name,
 * -ENOMEM.
 */
int mdg_table_new(struct mdg_table **out, const struct mdg_col *cols,
		  size_t nr_cols, const struct mdg_table_opts *o)
{
	struct mdg_table *t;
	size_t i;
	int ret;

	*out = NULL;
	if (nr_cols > MDG_TABLE_MAX_COLS)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cols = cols;
	t->nr_cols = nr_cols;
	t->csv = o->csv;
	t->noheadings = o->noheadings;
	ret = select_cols(t, o->columns);
	if (ret)
		goto err;
	ret = -ENOMEM;
	t->tb = scols_new_table();
	if (!t->tb)
		goto err;
	scols_table_set_stream(t->tb, mdg_out);
	scols_table_enable_raw(t->tb, o->raw);
	scols_table_enable_noheadings(t->tb, o->noheadings);
	/* Never shorten cells to a terminal's width: scripts read them. */
	scols_table_set_termforce(t->tb, SCOLS_TERMFORCE_NEVER);
	for (i = 0; i < t->nr_sel; i++) {
		const struct mdg_col *c = &cols[t->sel[i]];
		int fl = c->flags & MDG_COL_RIGHT ? SCOLS_FL_RIGHT : 0;

		if (!scols_table_new_column(t->tb, c->name, 0, fl))
			goto err;
	}
	*out = t;
	return 0;
err:
	mdg_table_free(t);
	return ret;
}

/**
 * mdg_table_row() - add a row
 * @t: the table
 * @cells: one string per column of the table's column list (all of them,
 *	   in the order given to mdg_table_new(); NULL or "" prints "-")
 *
 * Return: 0 or -ENOMEM.
 */
int mdg_table_row(struct mdg_table *t, const char *const *cells)
{
	struct libscols_line *ln = scols_table_new_line(t->tb, NULL);
	size_t i;

	if (!ln)
		return -ENOMEM;
	for (i = 0; i < t->nr_sel; i++) {
		const char *v = cells[t->sel[i]];

		if (scols_line_set_data(ln, i, v && *v ? v : "-"))
			return -ENOMEM;
	}
	return 0;
}

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static void csv_field(const char *v)
{
	if (!strpbrk(v, ",\"\r\n")) {
		fputs(v, mdg_out);
		return;
	}
	fputc('"', mdg_out);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', mdg_out);
		fputc(*v, mdg_out);
	}
	fputc('"', mdg_out);
}

static int print_csv(struct mdg_table *t, bool headings)
{
	struct libscols_iter *it = scols_new_iter(SCOLS_ITER_FORWARD);
	struct libscols_line *ln;
	size_t i;

	if (!it)
		return -ENOMEM;
	if (headings) {
		for (i = 0; i < t->nr_sel; i++) {
			if (i)
				fputc(',', mdg_out);
			csv_field(t->cols[t->sel[i]].name);
		}
		fputs("\r\n", mdg_out);
	}
	while (!scols_table_next_line(t->tb, it, &ln)) {
		for (i = 0; i < t->nr_sel; i++) {
			const char *v = scols_cell_get_data(scols_line_get_cell(ln, i));

			if (i)
				fputc(',', mdg_out);
			csv_field(v ? v : "");
		}
		fputs("\r\n", mdg_out);
	}
	scols_free_iter(it);
	return 0;
}

/**
 * mdg_table_print() - print a table and free it
 * @t: the table (freed, may be NULL)
 * @headings: whether CSV output starts with the header line (a caller
 *	      printing the same table repeatedly prints it once); the other
 *	      formats follow --noheadings
 *
 * Return: 0 or a negative errno.
 */
int mdg_table_print(struct mdg_table *t, bool headings)
{
	int ret;

	if (!t)
		return -EINVAL;
	ret = t->csv ? print_csv(t, headings && !t->noheadings) :
		       scols_print_table(t->tb);
	mdg_table_free(t);
	return ret;
}

/**
 * mdg_table_free() - free a table without printing it
 * @t: the table, or NULL
 */
void mdg_table_free(struct mdg_table *t)
{
	if (!t)
		return;
	scols_unref_table(t->tb);
	free(t);
}

/**
 * mdg_table_opt() - handle one of the table options in a getopt loop
 * @c: the option's code (MDG_OPT_*)
 * @arg: its argument
 * @o: the options being collected
 *
 * Return: true if @c was a table option.
 */
bool mdg_table_opt(int c, const char *arg, struct mdg_table_opts *o)
{
	switch (c) {
	case 'o':
		o->columns = arg;
		return true;
	case MDG_OPT_RAW:
		o->raw = true;
		return true;
	case MDG_OPT_NOHEADINGS:
		o->noheadings = true;
		return true;
	case MDG_OPT_CSV:
		o->csv = true;
		return true;
	}
	return false;
}
