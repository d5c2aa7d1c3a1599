/*
 * fmt.c - printf-style formatting without libc (see fmt.h). Host tests
 * compare it with the host libc's snprintf on the same formats.
 */
#include <stdbool.h>
#include <stdint.h>

#include <common/fmt.h>

/* Widths and precisions are clamped here, so that no count overflows. */
#define FMT_MAX_FIELD 4096

static int clamp_field(int v)
{
	return v > FMT_MAX_FIELD ? FMT_MAX_FIELD : v;
}

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec;               /* -1: none */
};

static int emit_pad(fmt_out_fn out, void *ctx, char c, int n)
{
	int i;
	for (i = 0; i < n; i++)
		out(c, ctx);
	return n > 0 ? n : 0;
}

/* An integer: `neg` says the magnitude `v` had a minus sign. */
static int emit_int(fmt_out_fn out, void *ctx, const struct spec *s, uint64_t v,
		    bool neg, unsigned base, bool upper, bool is_signed)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int n = 0, count = 0;
	char sign = 0;
	const char *prefix = "";
	int ndigits, zeros, total;

	while (v) {
		buf[n++] = digits[v % base];
		v /= base;
	}
	if (n == 0 && s->prec != 0)
		buf[n++] = '0';
	if (is_signed)
		sign = neg ? '-' : s->plus ? '+' : s->space ? ' ' : 0;
	if (s->alt && base == 16 && n > 0 && !(n == 1 && buf[0] == '0'))
		prefix = upper ? "0X" : "0x";
	if (s->alt && base == 8 && (n == 0 || buf[n - 1] != '0') && s->prec <= n)
		prefix = "0";

	ndigits = n;
	zeros = s->prec > ndigits ? s->prec - ndigits : 0;
	total = ndigits + zeros + (sign ? 1 : 0);
	for (const char *p = prefix; *p; p++)
		total++;
	if (s->zero && !s->left && s->prec < 0 && s->width > total) {
		zeros += s->width - total;
		total = s->width;
	}
	if (!s->left)
		count += emit_pad(out, ctx, ' ', s->width - total);
	if (sign) {
		out(sign, ctx);
		count++;
	}
	for (const char *p = prefix; *p; p++, count++)
		out(*p, ctx);
	count += emit_pad(out, ctx, '0', zeros);
	while (n > 0) {
		out(buf[--n], ctx);
		count++;
	}
	if (s->left)
		count += emit_pad(out, ctx, ' ', s->width - total);
	return count;
}

static int emit_str(fmt_out_fn out, void *ctx, const struct spec *s, const char *str)
{
	int len = 0, count = 0;

	if (!str)
		str = "(null)";
	while (str[len] && (s->prec < 0 || len < s->prec))
		len++;
	if (!s->left)
		count += emit_pad(out, ctx, ' ', s->width - len);
	for (int i = 0; i < len; i++)
		out(str[i], ctx);
	count += len;
	if (s->left)
		count += emit_pad(out, ctx, ' ', s->width - len);
	return count;
}

int fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap)
{
	int count = 0;

	for (; *fmt; fmt++) {
		struct spec s = { .prec = -1 };
		const char *start = fmt;        /* the '%' of a conversion */
		int lng = 0;            /* -2 hh, -1 h, 0 int, 1 long, 2 long long */
		uint64_t u;
		int64_t i;

		if (*fmt != '%') {
			out(*fmt, ctx);
			count++;
			continue;
		}
		for (;;) {
			char f = *++fmt;
			if (f == '-')
				s.left = true;
			else if (f == '0')
				s.zero = true;
			else if (f == '+')
				s.plus = true;
			else if (f == ' ')
				s.space = true;
			else if (f == '#')
				s.alt = true;
			else
				break;
		}
		if (*fmt == '*') {
			s.width = va_arg(ap, int);
			if (s.width < 0) {
				s.left = true;
				s.width = s.width == -__INT_MAX__ - 1 ? FMT_MAX_FIELD : -s.width;
			}
			s.width = clamp_field(s.width);
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				s.width = clamp_field(s.width * 10 + (*fmt++ - '0'));
		}
		if (*fmt == '.') {
			fmt++;
			s.prec = 0;
			if (*fmt == '*') {
				s.prec = va_arg(ap, int);
				s.prec = s.prec < 0 ? -1 : clamp_field(s.prec);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					s.prec = clamp_field(s.prec * 10 + (*fmt++ - '0'));
			}
		}
		for (;; fmt++) {
			if (*fmt == 'h')
				lng--;
			else if (*fmt == 'l')
				lng++;
			else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j')
				lng = 1;
			else
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			if (lng >= 1)
				i = va_arg(ap, long);
			else
				i = va_arg(ap, int);
			if (lng == -1)
				i = (short)i;
			else if (lng <= -2)
				i = (signed char)i;
			u = i < 0 ? -(uint64_t)i : (uint64_t)i;
			count += emit_int(out, ctx, &s, u, i < 0, 10, false, true);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lng >= 1)
				u = va_arg(ap, unsigned long);
			else
				u = va_arg(ap, unsigned int);
			if (lng == -1)
				u = (unsigned short)u;
			else if (lng <= -2)
				u = (unsigned char)u;
			count += emit_int(out, ctx, &s, u, false,
					  *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16, *fmt == 'X', false);
			break;
		case 'p':
			s.alt = true;
			count += emit_int(out, ctx, &s, (uintptr_t)va_arg(ap, void *), false, 16, false, false);
			break;
		case 's':
			count += emit_str(out, ctx, &s, va_arg(ap, const char *));
			break;
		case 'c': {
			char c[2] = { (char)va_arg(ap, int), 0 };
			s.prec = -1;
			if (!s.left)
				count += emit_pad(out, ctx, ' ', s.width - 1);
			out(c[0], ctx);
			count++;
			if (s.left)
				count += emit_pad(out, ctx, ' ', s.width - 1);
			break;
		}
		case '%':
			out('%', ctx);
			count++;
			break;
		case '\0':
			return count;   /* a lone '%' at the end */
		default:
			/* Unknown conversion: print it as written. */
			for (const char *p = start; p <= fmt; p++, count++)
				out(*p, ctx);
			break;
		}
	}
	return count;
}

struct snbuf {
	char *buf;
	size_t size, pos;
};

static void snbuf_out(char c, void *ctx)
{
	struct snbuf *b = ctx;
	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct snbuf b = { buf, size, 0 };
	int n = fmt_vformat(snbuf_out, &b, fmt, ap);

	if (size > 0)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
