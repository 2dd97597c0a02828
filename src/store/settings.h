/*
 * The settings table (settings.c): small values kept across restarts, by
 * key: the mode's latches ("mode_lockdown", "mode_fire") and the MQTT
 * bridge's acknowledged seq ("mqtt_acked_seq"), the vacancy figure last
 * published and when it was counted ("vacancy", "vacancy_at").
 */
#ifndef HUSVAGT_SETTINGS_H
#define HUSVAGT_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

/* A flag ("1" or "0"); false when absent or unreadable. */
bool	 settings_flag_get(sqlite3 *, const char *key);
/* 0, or -1 with the database's error in sqlite3_errmsg. */
int	 settings_flag_set(sqlite3 *, const char *key, bool on);
/* A whole number into *out: 1 found, 0 absent, -1 unreadable. */
int	 settings_int_get(sqlite3 *, const char *key, int64_t *out);
/* 0, or -1 with the database's error in sqlite3_errmsg. */
int	 settings_int_set(sqlite3 *, const char *key, int64_t value);

/* A text into *out (malloc'd): 1 found, 0 absent, -1 unreadable. */
int	 settings_text_get(sqlite3 *, const char *key, char **out);
/* 0, or -1 with the database's error in sqlite3_errmsg. */
int	 settings_text_set(sqlite3 *, const char *key, const char *value);

#endif
