// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/block/dstN/dst/: one value per file, documented in
 * Documentation/sysfs.md. What changes is read from the snapshot dev-get
 * and the events use too (dst_dev_status()), under the device's lock.
 */
#include <linux/blkdev.h>
#include <linux/sysfs.h>
#include "client.h"

static struct dst_device *dst_from_kdev(struct device *kdev)
{
	return dev_to_disk(kdev)->private_data;
}

/* A value that never changes, from dev->params or the device itself. */
#define DST_PARAM_ATTR(_name, _fmt, _expr)				\
static ssize_t _name##_show(struct device *kdev,			\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct dst_device *dev = dst_from_kdev(kdev);			\
									\
	return sysfs_emit(buf, _fmt "\n", _expr);			\
}									\
static DEVICE_ATTR_RO(_name)

/* A value of the device's status (struct dst_dev_status st). */
#define DST_STATUS_ATTR(_name, _fmt, _expr)				\
static ssize_t _name##_show(struct device *kdev,			\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct dst_dev_status st;					\
									\
	dst_dev_status(dst_from_kdev(kdev), &st);			\
	return sysfs_emit(buf, _fmt "\n", _expr);			\
}									\
static DEVICE_ATTR_RO(_name)

#define DST_COUNTER_ATTR(_name)						\
	DST_PARAM_ATTR(_name, "%lld", atomic64_read(&dev->stats._name))

/* Milliseconds shown as seconds ("0.5", "30"), DST_TIMEOUT_FOREVER as -1. */
static ssize_t dst_show_ms(char *buf, u32 ms)
{
	if (ms == DST_TIMEOUT_FOREVER)
		return sysfs_emit(buf, "-1\n");
	if (ms % 1000)
		return sysfs_emit(buf, "%u.%03u\n", ms / 1000, ms % 1000);
	return sysfs_emit(buf, "%u\n", ms / 1000);
}

#define DST_TUNABLE_ATTR(_name)						\
static ssize_t _name##_show(struct device *kdev,			\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct dst_dev_status st;					\
									\
	dst_dev_status(dst_from_kdev(kdev), &st);			\
	return dst_show_ms(buf, st.tunables._name);			\
}									\
static DEVICE_ATTR_RO(_name)

DST_PARAM_ATTR(remote, "%s", dev->params.remote);
DST_PARAM_ATTR(export, "%s", dev->params.export_name);
DST_PARAM_ATTR(uuid, "%pUb", &dev->params.uuid);
DST_PARAM_ATTR(csum, "%s", dst_csum_name(dev->params.csum));
DST_PARAM_ATTR(max_transfer, "%u", dev->params.max_xfer);
DST_PARAM_ATTR(features, "%#x", dev->params.features);
DST_PARAM_ATTR(conn_count, "%u", dev->params.conn_count);
DST_PARAM_ATTR(identity, "%s", dev->auth.identity);
DST_TUNABLE_ATTR(io_timeout);
DST_TUNABLE_ATTR(ping_interval);
DST_TUNABLE_ATTR(reconnect_delay);
DST_TUNABLE_ATTR(reconnect_delay_max);
DST_TUNABLE_ATTR(reconnect_give_up);
DST_STATUS_ATTR(generation, "%u", st.generation);
DST_STATUS_ATTR(state, "%s", dst_state_name(st.state));
DST_STATUS_ATTR(inflight, "%u", st.inflight);
DST_STATUS_ATTR(connections, "%u", st.nr_live);
DST_STATUS_ATTR(epoch, "%u", st.epoch);
DST_STATUS_ATTR(last_error, "%s", st.last_error);
DST_STATUS_ATTR(rekey_records, "%u", st.tunables.rekey_records);
DST_STATUS_ATTR(protection, "%s", dst_tls_name(&st.tls));
DST_COUNTER_ATTR(reads);
DST_COUNTER_ATTR(writes);
DST_COUNTER_ATTR(flushes);
DST_COUNTER_ATTR(discards);
DST_COUNTER_ATTR(write_zeroes);
DST_COUNTER_ATTR(read_bytes);
DST_COUNTER_ATTR(write_bytes);
DST_COUNTER_ATTR(errors);
DST_COUNTER_ATTR(csum_errors);
DST_COUNTER_ATTR(protocol_errors);
DST_COUNTER_ATTR(reconnects);
DST_COUNTER_ATTR(resends);
DST_COUNTER_ATTR(timeouts);
DST_COUNTER_ATTR(rekeys);
DST_COUNTER_ATTR(tls_errors);

static struct attribute *dst_attrs[] = {
	&dev_attr_remote.attr,
	&dev_attr_export.attr,
	&dev_attr_uuid.attr,
	&dev_attr_csum.attr,
	&dev_attr_max_transfer.attr,
	&dev_attr_features.attr,
	&dev_attr_io_timeout.attr,
	&dev_attr_ping_interval.attr,
	&dev_attr_reconnect_delay.attr,
	&dev_attr_reconnect_delay_max.attr,
	&dev_attr_reconnect_give_up.attr,
	&dev_attr_generation.attr,
	&dev_attr_state.attr,
	&dev_attr_inflight.attr,
	&dev_attr_connections.attr,
	&dev_attr_conn_count.attr,
	&dev_attr_epoch.attr,
	&dev_attr_reads.attr,
	&dev_attr_writes.attr,
	&dev_attr_flushes.attr,
	&dev_attr_discards.attr,
	&dev_attr_write_zeroes.attr,
	&dev_attr_read_bytes.attr,
	&dev_attr_write_bytes.attr,
	&dev_attr_errors.attr,
	&dev_attr_csum_errors.attr,
	&dev_attr_protocol_errors.attr,
	&dev_attr_reconnects.attr,
	&dev_attr_resends.attr,
	&dev_attr_timeouts.attr,
	&dev_attr_last_error.attr,
	&dev_attr_identity.attr,
	&dev_attr_protection.attr,
	&dev_attr_rekey_records.attr,
	&dev_attr_rekeys.attr,
	&dev_attr_tls_errors.attr,
	NULL,
};

static const struct attribute_group dst_attr_group = {
	.name = "dst",
	.attrs = dst_attrs,
};

const struct attribute_group *dst_sysfs_groups[] = {
	&dst_attr_group,
	NULL,
};
