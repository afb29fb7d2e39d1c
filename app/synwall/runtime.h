/* SPDX-License-Identifier: BSD-3-Clause */
/* Building, publishing and retiring runtime snapshots; telemetry; the control poll. */
#ifndef SYNWALL_RUNTIME_H
#define SYNWALL_RUNTIME_H

#include "synwall.h"

/* Copy [ports]/[general] values the app needs before EAL/ports exist. */
void sw_app_apply_general(struct sw_app *app, const struct sw_config *cfg);
/* Check [general] workers against the lcores given. */
int sw_app_check_workers(struct sw_app *app);
/* SIGHUP: re-read, validate, build and swap the config (RCU); errors keep the old one. */
int sw_app_reload(struct sw_app *app);

/* Free a runtime the workers are done with, once no telemetry or Prometheus reader has it. */
void sw_app_runtime_retire(struct sw_runtime *old);

int sw_app_telemetry_init(struct sw_app *app);
void sw_app_telemetry_fini(struct sw_app *app);

#endif /* SYNWALL_RUNTIME_H */
