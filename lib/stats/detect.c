/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN-flood detector: interval rates, suspicion test and the enter/leave hysteresis. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "sw_detect.h"

void
sw_detect_conf_default(struct sw_detect_conf *c)
{
	c->syn_rate_on = SW_DETECT_SYN_RATE_ON_DEFAULT;
	c->syn_rate_off = SW_DETECT_SYN_RATE_OFF_DEFAULT;
	c->ratio_on = SW_DETECT_RATIO_ON_DEFAULT;
	c->sources_on = SW_DETECT_SOURCES_ON_DEFAULT;
	c->enter_intervals = SW_DETECT_ENTER_INTERVALS_DEFAULT;
	c->leave_intervals = SW_DETECT_LEAVE_INTERVALS_DEFAULT;
}

static int
finite_nonneg(double x)
{
	return isfinite(x) && x >= 0;
}

int
sw_detect_conf_validate(const struct sw_detect_conf *c)
{
	if (c == NULL)
		return -EINVAL;
	if (!finite_nonneg(c->syn_rate_on) || !finite_nonneg(c->syn_rate_off) ||
		!finite_nonneg(c->sources_on))
		return -EINVAL;
	if (!(c->syn_rate_off < c->syn_rate_on))
		return -EINVAL;
	if (!(c->ratio_on >= 0 && c->ratio_on <= 1))
		return -EINVAL;
	if (c->enter_intervals < 1 || c->leave_intervals < 1)
		return -EINVAL;
	return 0;
}

int
sw_detect_init(struct sw_detect *d, const struct sw_detect_conf *c)
{
	int ret = sw_detect_conf_validate(c);

	if (ret < 0)
		return ret;
	memset(d, 0, sizeof(*d));
	d->conf = *c;
	d->state = SW_DETECT_NORMAL;
	d->ratio = 1;
	return 0;
}

static double
max_d(double a, double b)
{
	return a > b ? a : b;
}

enum sw_detect_event
sw_detect_update(struct sw_detect *d, const struct sw_detect_sample *s, uint64_t now_ms)
{
	const struct sw_detect_conf *c = &d->conf;
	const double secs = (double)s->interval_ms / 1000;
	double sources = s->sources;

	if (s->interval_ms == 0)
		return SW_DETECT_EV_NONE;
	if (!(sources >= 0)) /* NaN or negative: no information */
		sources = 0;

	d->syn_rate = (double)s->syns / secs;
	d->forged_rate = (double)s->forged_acks / secs;
	d->sources = sources;
	/* A handshake can straddle two intervals (SYN in one, ACK in the next): clamp. */
	if (s->syns == 0 || s->completed >= s->syns)
		d->ratio = 1;
	else
		d->ratio = (double)s->completed / (double)s->syns;

	if (d->state == SW_DETECT_NORMAL) {
		const int suspicious = d->syn_rate >= c->syn_rate_on &&
			(d->ratio <= c->ratio_on || sources >= c->sources_on);

		if (!suspicious) {
			d->streak = 0;
			return SW_DETECT_EV_NONE;
		}
		if (d->streak++ == 0) {
			d->streak_syn_rate = 0;
			d->streak_sources = 0;
			d->streak_forged_rate = 0;
			d->streak_syns = 0;
		}
		d->streak_syn_rate = max_d(d->streak_syn_rate, d->syn_rate);
		d->streak_sources = max_d(d->streak_sources, sources);
		d->streak_forged_rate = max_d(d->streak_forged_rate, d->forged_rate);
		d->streak_syns += s->syns;
		if (d->streak < c->enter_intervals)
			return SW_DETECT_EV_NONE;

		d->state = SW_DETECT_ATTACK;
		d->since_ms = now_ms;
		d->streak = 0;
		d->nb_attacks++;
		d->attack_start_ms = now_ms;
		d->attack_end_ms = 0;
		d->peak_syn_rate = d->streak_syn_rate;
		d->peak_sources = d->streak_sources;
		d->peak_forged_rate = d->streak_forged_rate;
		d->attack_syns = d->streak_syns;
		return SW_DETECT_EV_ATTACK_START;
	}

	/* SW_DETECT_ATTACK: the tail of a flood still belongs to it. */
	d->peak_syn_rate = max_d(d->peak_syn_rate, d->syn_rate);
	d->peak_sources = max_d(d->peak_sources, sources);
	d->peak_forged_rate = max_d(d->peak_forged_rate, d->forged_rate);
	d->attack_syns += s->syns;
	/* syn_rate_off 0: a second counts towards the end only without any SYN. */
	if (d->syn_rate >= c->syn_rate_off && (c->syn_rate_off > 0 || d->syn_rate > 0)) {
		d->streak = 0;
		return SW_DETECT_EV_NONE;
	}
	if (++d->streak < c->leave_intervals)
		return SW_DETECT_EV_NONE;

	d->state = SW_DETECT_NORMAL;
	d->since_ms = now_ms;
	d->streak = 0;
	d->attack_end_ms = now_ms;
	return SW_DETECT_EV_ATTACK_END;
}

const char *
sw_detect_state_name(enum sw_detect_state s)
{
	switch (s) {
	case SW_DETECT_NORMAL:
		return "normal";
	case SW_DETECT_ATTACK:
		return "attack";
	}
	return "unknown";
}

const char *
sw_detect_event_name(enum sw_detect_event e)
{
	switch (e) {
	case SW_DETECT_EV_NONE:
		return "none";
	case SW_DETECT_EV_ATTACK_START:
		return "attack_start";
	case SW_DETECT_EV_ATTACK_END:
		return "attack_end";
	}
	return "unknown";
}
