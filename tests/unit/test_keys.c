/*
 * The device key file: created 0600, reused as it is, refused when others
 * may read it or its size is wrong; the derived MACs follow the documented
 * construction and differ per purpose, per format and per key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <fcntl.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "keys.h"
#include "tmpdir.h"

static char *const dir = tmpdir_group_dir;

/* Write a file of len bytes with mode. */
static void
write_file(const char *path, size_t len, mode_t mode)
{
	uint8_t buf[64] = { 1, 2, 3 };
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* The raw device key bytes of a file. */
static void
read_file(const char *path, uint8_t out[KEYS_LEN])
{
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(read(fd, out, KEYS_LEN), KEYS_LEN);
	close(fd);
}

static void
test_created_0600(void **state)
{
	struct keys k;
	struct stat st;
	char path[512];

	(void)state;
	tmpdir_path(path, dir, "created.key");
	assert_int_equal(keys_load(&k, path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, KEYS_LEN);
}

static void
test_reused(void **state)
{
	struct keys a, b;
	uint8_t before[KEYS_LEN], after[KEYS_LEN];
	char path[512];

	(void)state;
	tmpdir_path(path, dir, "reused.key");
	assert_int_equal(keys_load(&a, path), 0);
	read_file(path, before);
	assert_int_equal(keys_load(&b, path), 0);
	read_file(path, after);
	assert_memory_equal(before, after, KEYS_LEN);
	assert_memory_equal(&a, &b, sizeof(a));
}

static void
test_refused_mode(void **state)
{
	struct keys k;
	char path[512];

	(void)state;
	tmpdir_path(path, dir, "mode.key");
	assert_int_equal(keys_load(&k, path), 0);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(keys_load(&k, path), -1);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(keys_load(&k, path), -1);
	assert_int_equal(chmod(path, 0602), 0);
	assert_int_equal(keys_load(&k, path), -1);
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(keys_load(&k, path), 0);
}

static void
test_refused_size(void **state)
{
	struct keys k;
	char path[512];

	(void)state;
	tmpdir_path(path, dir, "size.key");
	write_file(path, KEYS_LEN - 1, 0600);
	assert_int_equal(keys_load(&k, path), -1);
	write_file(path, KEYS_LEN + 1, 0600);
	assert_int_equal(keys_load(&k, path), -1);
	write_file(path, 0, 0600);
	assert_int_equal(keys_load(&k, path), -1);
	write_file(path, KEYS_LEN, 0600);
	assert_int_equal(keys_load(&k, path), 0);
}

static void
test_refused_other(void **state)
{
	struct keys k;
	char path[512], link[512];

	(void)state;
	/* A symlink could point the daemon at a file someone else owns. */
	tmpdir_path(path, dir, "target.key");
	tmpdir_path(link, dir, "link.key");
	assert_int_equal(keys_load(&k, path), 0);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(keys_load(&k, link), -1);
	tmpdir_path(path, dir, "no/such/dir.key");
	assert_int_equal(keys_load(&k, path), -1);
}

/* HMAC-SHA256 made directly with OpenSSL, for checking the construction. */
static void
hmac(const uint8_t *key, const void *msg, size_t len, uint8_t out[32])
{
	assert_non_null(HMAC(EVP_sha256(), key, 32, msg, len, out, NULL));
}

static void
test_construction(void **state)
{
	static const uint8_t msg[9] = { 26, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56 };
	static const uint8_t pmsg[12] = { 0, 0, 0, 0, 0, 0, 0, 7, '1', '2',
	    '3', '4' };
	uint8_t dev[KEYS_LEN], sub[32], want[32], got[32];
	struct keys k;
	char path[512];

	(void)state;
	tmpdir_path(path, dir, "construction.key");
	assert_int_equal(keys_load(&k, path), 0);
	read_file(path, dev);
	hmac(dev, "husvagt card v1", 15, sub);
	assert_memory_equal(sub, k.card, 32);
	hmac(dev, "husvagt journal v1", 18, sub);
	assert_memory_equal(sub, k.journal, 32);
	hmac(k.card, msg, sizeof(msg), want);
	keys_card_mac(&k, 26, 0x123456, got);
	assert_memory_equal(want, got, 32);
	hmac(dev, "husvagt pin v1", 14, sub);
	assert_memory_equal(sub, k.pin, 32);
	hmac(k.pin, pmsg, sizeof(pmsg), want);
	keys_pin_mac(&k, 7, "1234", got);
	assert_memory_equal(want, got, 32);
}

static void
test_macs_differ(void **state)
{
	uint8_t a[32], b[32];
	struct keys k, other;
	char path[512];

	(void)state;
	tmpdir_path(path, dir, "one.key");
	assert_int_equal(keys_load(&k, path), 0);
	tmpdir_path(path, dir, "other.key");
	assert_int_equal(keys_load(&other, path), 0);
	assert_memory_not_equal(k.card, k.pin, KEYS_LEN);
	assert_memory_not_equal(k.card, k.journal, KEYS_LEN);
	assert_memory_not_equal(k.pin, k.journal, KEYS_LEN);
	keys_card_mac(&k, 26, 4242, a);
	keys_card_mac(&k, 26, 4242, b);
	assert_true(keys_mac_equal(a, b));
	keys_card_mac(&k, 34, 4242, b);
	assert_false(keys_mac_equal(a, b));
	keys_card_mac(&k, 26, 4243, b);
	assert_false(keys_mac_equal(a, b));
	keys_card_mac(&other, 26, 4242, b);
	assert_false(keys_mac_equal(a, b));
	keys_pin_mac(&k, 1, "1234", a);
	keys_pin_mac(&k, 2, "1234", b);
	assert_false(keys_mac_equal(a, b));
	keys_pin_mac(&k, 1, "1235", b);
	assert_false(keys_mac_equal(a, b));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_created_0600),
		cmocka_unit_test(test_reused),
		cmocka_unit_test(test_refused_mode),
		cmocka_unit_test(test_refused_size),
		cmocka_unit_test(test_refused_other),
		cmocka_unit_test(test_construction),
		cmocka_unit_test(test_macs_differ),
	};

	return cmocka_run_group_tests(tests, tmpdir_group_setup,
	    tmpdir_group_teardown);
}
