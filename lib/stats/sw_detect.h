/* SPDX-License-Identifier: BSD-3-Clause */
/* SYN-flood detector: per-service interval rates and an "under attack" state with hysteresis. */
#ifndef SW_DETECT_H
#define SW_DETECT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The test for an attack is "many half-open connections from random source
 * addresses": a high SYN rate while few handshakes complete, or while the
 * SYNs come from many distinct sources.
 *
 * Once per interval the control thread feeds one sample per service:
 *
 *   suspicious = syn_rate >= syn_rate_on &&
 *                (ratio <= ratio_on || sources >= sources_on)
 *
 *   NORMAL --[enter_intervals consecutive suspicious samples]--> ATTACK
 *   ATTACK --[leave_intervals consecutive syn_rate < syn_rate_off]--> NORMAL
 *            (syn_rate_off 0: consecutive samples without any SYN)
 *
 * Between syn_rate_off and syn_rate_on the state holds, so a rate hovering
 * around one threshold does not flap. Pure and deterministic: no clock, no
 * allocation, no logging; time is passed in. One detector is owned by one
 * thread (the control thread: rw); readers elsewhere must copy it under the
 * owner's own synchronisation.
 */

/* Thresholds; every field is required (see sw_detect_conf_default()). */
struct sw_detect_conf {
	double syn_rate_on; /* SYN/s at or above which a sample may be suspicious (1000) */
	double syn_rate_off; /* SYN/s below which a sample counts toward the end (500); < on */
	double ratio_on; /* completed/SYN at or below which the SYNs look forged (0.5) */
	double sources_on; /* distinct sources per interval at or above which (1000) */
	uint32_t enter_intervals; /* consecutive suspicious samples to declare an attack (2) */
	uint32_t leave_intervals; /* consecutive samples under syn_rate_off to end it (5) */
};

#define SW_DETECT_SYN_RATE_ON_DEFAULT 1000.0
#define SW_DETECT_SYN_RATE_OFF_DEFAULT 500.0
#define SW_DETECT_RATIO_ON_DEFAULT 0.5
#define SW_DETECT_SOURCES_ON_DEFAULT 1000.0
#define SW_DETECT_ENTER_INTERVALS_DEFAULT 2
#define SW_DETECT_LEAVE_INTERVALS_DEFAULT 5

/* One interval's counts for one service, summed over the workers by the caller. */
struct sw_detect_sample {
	uint64_t syns; /* SYNs received for the service */
	uint64_t completed; /* handshakes completed: third ACKs whose cookie verified */
	uint64_t forged_acks; /* third ACKs whose cookie did not verify */
	double sources; /* distinct-source estimate of the SYN senders (merged HLL) */
	uint64_t interval_ms; /* length of the interval; samples of 0 ms are ignored */
};

enum sw_detect_state {
	SW_DETECT_NORMAL,
	SW_DETECT_ATTACK,
};

enum sw_detect_event {
	SW_DETECT_EV_NONE, /* no state change */
	SW_DETECT_EV_ATTACK_START, /* this sample made it an attack: log once */
	SW_DETECT_EV_ATTACK_END, /* this sample ended the attack: log once, with the peaks */
};

/*
 * A detector for one service. Owned by the control thread (rw); the caller
 * reads the fields directly after sw_detect_update() (for logs and metrics).
 */
struct sw_detect {
	struct sw_detect_conf conf; /* thresholds, copied at init */
	enum sw_detect_state state; /* current state */
	uint64_t since_ms; /* now_ms of the sample that set the state (0: init) */
	uint32_t streak; /* consecutive samples toward the other state */
	uint32_t nb_attacks; /* attacks declared since init */

	/* The last sample, derived (for gauges). */
	double syn_rate; /* SYN/s */
	double ratio; /* completed / SYNs, clamped to [0, 1]; 1 with no SYN */
	double forged_rate; /* forged ACKs/s */
	double sources; /* distinct-source estimate */

	/* Current attack (state ATTACK) or the last one (state NORMAL, nb_attacks > 0). */
	uint64_t attack_start_ms; /* now_ms of the sample that declared it */
	uint64_t attack_end_ms; /* now_ms of the sample that ended it; 0 while it lasts */
	double peak_syn_rate; /* highest SYN/s, counting the samples that declared it */
	double peak_sources; /* highest distinct-source estimate, idem */
	double peak_forged_rate; /* highest forged ACKs/s, idem */
	uint64_t attack_syns; /* SYNs received during it, idem */

	/* Pending maxima over the suspicious streak while NORMAL (become the peaks on entry). */
	double streak_syn_rate; /* highest SYN/s in the streak */
	double streak_sources; /* highest source estimate in the streak */
	double streak_forged_rate; /* highest forged ACKs/s in the streak */
	uint64_t streak_syns; /* SYNs in the streak */
};

/* Fill c with the defaults above. */
void sw_detect_conf_default(struct sw_detect_conf *c);

/*
 * Check c: rates and source threshold finite and >= 0, syn_rate_off <
 * syn_rate_on, ratio_on in [0, 1], intervals >= 1. Returns 0 or -EINVAL.
 */
int sw_detect_conf_validate(const struct sw_detect_conf *c);

/* Reset d to NORMAL with conf c (copied). Returns 0 or -EINVAL (see validate). */
int sw_detect_init(struct sw_detect *d, const struct sw_detect_conf *c);

/* Feed one interval's sample taken at now_ms; returns the state change it caused. */
enum sw_detect_event sw_detect_update(
	struct sw_detect *d, const struct sw_detect_sample *s, uint64_t now_ms);

/* "normal" / "attack". */
const char *sw_detect_state_name(enum sw_detect_state s);
/* "none" / "attack_start" / "attack_end". */
const char *sw_detect_event_name(enum sw_detect_event e);

#ifdef __cplusplus
}
#endif

#endif /* SW_DETECT_H */
