/*
 * usb-pump: bytes between a USB CAN adapter's bulk endpoints and a pipe.
 *
 * On a stock Android phone only Termux:API may open a USB device; `termux-usb` hands the open
 * usbfs descriptor to a callback. That descriptor is not a byte stream (usbfs has no write();
 * data moves through ioctls), so pitwall spawns this helper with the descriptor as fd 3:
 *
 *     USB bulk IN  -> stdout
 *     stdin        -> USB bulk OUT
 *
 * and keeps every protocol decision (slcan probe, open sequence, parsing) in TypeScript.
 *
 * The adapter: a CANable with slcan firmware is USB CDC ACM (interface 0: communication class,
 * interface 1: data class 0x0A with bulk OUT 0x01 / bulk IN 0x81). Other slcan devices may put the
 * bulk pair on a vendor-class interface. The endpoints are taken from the descriptors, never
 * hard-coded. The CDC class requests (SET_LINE_CODING, SET_CONTROL_LINE_STATE) are sent because
 * some CDC devices only stream with DTR set; the CANable firmware ignores both.
 *
 * Exit codes: 0 stdin closed, 2 the device went away (unplug), 3 fd 3 is not a USB device node,
 * 4 no bulk IN/OUT pair, 1 anything else. One line on stderr says why.
 *
 * Build: make (pkg-config libusb-1.0). On Termux: pkg install libusb clang make pkg-config.
 */
#include <errno.h>
#include <fcntl.h>
#include <libusb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

enum { EXIT_STDIN_CLOSED = 0, EXIT_FAILED = 1, EXIT_DEVICE_GONE = 2, EXIT_NOT_USB = 3, EXIT_NO_ENDPOINTS = 4 };

#define USB_DEVICE_MAJOR 189
#define IN_TRANSFERS 4
#define IN_SIZE 4096
#define CDC_SET_LINE_CODING 0x20
#define CDC_SET_CONTROL_LINE_STATE 0x22

static libusb_device_handle *handle;
static unsigned char ep_in, ep_out;
static int data_iface = -1, comm_iface = -1;
static volatile int done_code = -1;

static void finish(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void finish(int code, const char *fmt, ...) {
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    fputs("usb-pump: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
  }
  if (done_code < 0) done_code = code;
}

/* Writes all of buf to stdout; false when stdout is gone. */
static int write_all(const unsigned char *buf, int len) {
  while (len > 0) {
    ssize_t n = write(STDOUT_FILENO, buf, (size_t)len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    buf += n;
    len -= (int)n;
  }
  return 1;
}

static void LIBUSB_CALL on_in(struct libusb_transfer *t) {
  if (done_code >= 0) return;
  switch (t->status) {
  case LIBUSB_TRANSFER_COMPLETED:
  case LIBUSB_TRANSFER_TIMED_OUT:
    if (t->actual_length > 0 && !write_all(t->buffer, t->actual_length)) {
      finish(EXIT_STDIN_CLOSED, NULL); /* the reader went away: nothing left to pump to */
      return;
    }
    break;
  case LIBUSB_TRANSFER_NO_DEVICE:
    finish(EXIT_DEVICE_GONE, "the USB device went away (unplugged)");
    return;
  case LIBUSB_TRANSFER_CANCELLED:
    return;
  default:
    finish(EXIT_FAILED, "bulk IN transfer failed (status %d)", t->status);
    return;
  }
  int r = libusb_submit_transfer(t);
  if (r == LIBUSB_ERROR_NO_DEVICE) finish(EXIT_DEVICE_GONE, "the USB device went away (unplugged)");
  else if (r != 0) finish(EXIT_FAILED, "cannot resubmit bulk IN: %s", libusb_strerror(r));
}

/* stdin -> bulk OUT, on its own thread (libusb's sync API is safe beside an event loop). */
static void *pump_out(void *arg) {
  (void)arg;
  unsigned char buf[512];
  for (;;) {
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      finish(EXIT_STDIN_CLOSED, NULL);
      return NULL;
    }
    int off = 0;
    while (off < n) {
      int sent = 0;
      int r = libusb_bulk_transfer(handle, ep_out, buf + off, (int)n - off, &sent, 2000);
      if (r == LIBUSB_ERROR_NO_DEVICE) {
        finish(EXIT_DEVICE_GONE, "the USB device went away (unplugged)");
        return NULL;
      }
      if (r != 0 && r != LIBUSB_ERROR_TIMEOUT) {
        finish(EXIT_FAILED, "bulk OUT failed: %s", libusb_strerror(r));
        return NULL;
      }
      off += sent;
    }
  }
}

/* Picks the interface with a bulk IN + bulk OUT pair: CDC data (0x0A) first, then vendor (0xFF), then any. */
static int find_endpoints(libusb_device *dev) {
  struct libusb_config_descriptor *cfg;
  int r = libusb_get_active_config_descriptor(dev, &cfg);
  if (r != 0) r = libusb_get_config_descriptor(dev, 0, &cfg);
  if (r != 0) return r;
  int best_rank = 0;
  for (int i = 0; i < cfg->bNumInterfaces; i++) {
    const struct libusb_interface_descriptor *alt = &cfg->interface[i].altsetting[0];
    if (alt->bInterfaceClass == LIBUSB_CLASS_COMM) comm_iface = alt->bInterfaceNumber;
    unsigned char in = 0, out = 0;
    for (int e = 0; e < alt->bNumEndpoints; e++) {
      const struct libusb_endpoint_descriptor *ep = &alt->endpoint[e];
      if ((ep->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK) != LIBUSB_TRANSFER_TYPE_BULK) continue;
      if (ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) {
        if (!in) in = ep->bEndpointAddress;
      } else if (!out) {
        out = ep->bEndpointAddress;
      }
    }
    if (!in || !out) continue;
    int rank = alt->bInterfaceClass == LIBUSB_CLASS_DATA ? 3 : alt->bInterfaceClass == LIBUSB_CLASS_VENDOR_SPEC ? 2 : 1;
    if (rank > best_rank) {
      best_rank = rank;
      data_iface = alt->bInterfaceNumber;
      ep_in = in;
      ep_out = out;
    }
  }
  libusb_free_config_descriptor(cfg);
  return best_rank > 0 ? 0 : LIBUSB_ERROR_NOT_FOUND;
}

static const char *kind_of(mode_t mode) {
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISFIFO(mode)) return "a pipe";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISBLK(mode)) return "a block device";
  return "of an unknown type";
}

int main(int argc, char **argv) {
  int fd = 3;
  if (argc == 3 && strcmp(argv[1], "--fd") == 0) fd = atoi(argv[2]);
  else if (argc != 1) {
    fprintf(stderr, "usage: usb-pump [--fd N]   (the usbfs descriptor, default 3; IN -> stdout, stdin -> OUT)\n");
    return EXIT_FAILED;
  }
  signal(SIGPIPE, SIG_IGN);

  struct stat st;
  if (fstat(fd, &st) != 0) {
    fprintf(stderr, "usb-pump: fd %d is not open (%s): pass the descriptor termux-usb hands over as fd %d\n", fd, strerror(errno), fd);
    return EXIT_NOT_USB;
  }
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != USB_DEVICE_MAJOR) {
    if (S_ISCHR(st.st_mode))
      fprintf(stderr, "usb-pump: fd %d is not a USB device node: it is a character device %u:%u, usbfs nodes are major %d\n", fd, major(st.st_rdev), minor(st.st_rdev), USB_DEVICE_MAJOR);
    else
      fprintf(stderr, "usb-pump: fd %d is not a USB device node: it is %s (usbfs nodes are character devices, major %d)\n", fd, kind_of(st.st_mode), USB_DEVICE_MAJOR);
    return EXIT_NOT_USB;
  }

  /* No device discovery: on Android, enumerating /dev/bus/usb fails without root; we only wrap fd. */
  libusb_context *ctx;
  libusb_set_option(NULL, LIBUSB_OPTION_NO_DEVICE_DISCOVERY);
  int r = libusb_init(&ctx);
  if (r != 0) {
    fprintf(stderr, "usb-pump: libusb_init failed: %s\n", libusb_strerror(r));
    return EXIT_FAILED;
  }
  r = libusb_wrap_sys_device(ctx, (intptr_t)fd, &handle);
  if (r != 0) {
    fprintf(stderr, "usb-pump: libusb_wrap_sys_device(fd %d) failed: %s\n", fd, libusb_strerror(r));
    return r == LIBUSB_ERROR_NO_DEVICE ? EXIT_DEVICE_GONE : EXIT_FAILED;
  }
  libusb_device *dev = libusb_get_device(handle);
  struct libusb_device_descriptor dd;
  if (libusb_get_device_descriptor(dev, &dd) == 0)
    fprintf(stderr, "usb-pump: device %04x:%04x\n", dd.idVendor, dd.idProduct);
  if (find_endpoints(dev) != 0) {
    fprintf(stderr, "usb-pump: no interface with a bulk IN and a bulk OUT endpoint: not an slcan (CDC or vendor) adapter\n");
    return EXIT_NO_ENDPOINTS;
  }
  /* cdc_acm may hold the interfaces: detach it (allowed on the app-granted fd), then claim. */
  libusb_set_auto_detach_kernel_driver(handle, 1);
  if (comm_iface >= 0 && comm_iface != data_iface) libusb_claim_interface(handle, comm_iface);
  r = libusb_claim_interface(handle, data_iface);
  if (r != 0) {
    fprintf(stderr, "usb-pump: cannot claim interface %d: %s\n", data_iface, libusb_strerror(r));
    return r == LIBUSB_ERROR_NO_DEVICE ? EXIT_DEVICE_GONE : EXIT_FAILED;
  }
  if (comm_iface >= 0) {
    /* 115200 8N1 and DTR|RTS: ignored by the CANable, needed by some CDC bridges. Errors are harmless. */
    unsigned char coding[7] = {0x00, 0xC2, 0x01, 0x00, 0, 0, 8};
    libusb_control_transfer(handle, 0x21, CDC_SET_LINE_CODING, 0, (uint16_t)comm_iface, coding, sizeof coding, 1000);
    libusb_control_transfer(handle, 0x21, CDC_SET_CONTROL_LINE_STATE, 3, (uint16_t)comm_iface, NULL, 0, 1000);
  }
  fprintf(stderr, "usb-pump: pumping interface %d, IN 0x%02x, OUT 0x%02x\n", data_iface, ep_in, ep_out);

  struct libusb_transfer *in[IN_TRANSFERS];
  for (int i = 0; i < IN_TRANSFERS; i++) {
    in[i] = libusb_alloc_transfer(0);
    unsigned char *buf = malloc(IN_SIZE);
    libusb_fill_bulk_transfer(in[i], handle, ep_in, buf, IN_SIZE, on_in, NULL, 0);
    r = libusb_submit_transfer(in[i]);
    if (r != 0) {
      fprintf(stderr, "usb-pump: cannot submit bulk IN: %s\n", libusb_strerror(r));
      return r == LIBUSB_ERROR_NO_DEVICE ? EXIT_DEVICE_GONE : EXIT_FAILED;
    }
  }
  pthread_t out_thread;
  pthread_create(&out_thread, NULL, pump_out, NULL);
  pthread_detach(out_thread);

  while (done_code < 0) {
    struct timeval tv = {0, 200000};
    r = libusb_handle_events_timeout_completed(ctx, &tv, NULL);
    if (r != 0 && r != LIBUSB_ERROR_INTERRUPTED) finish(r == LIBUSB_ERROR_NO_DEVICE ? EXIT_DEVICE_GONE : EXIT_FAILED, "libusb event handling failed: %s", libusb_strerror(r));
  }
  int code = done_code;
  for (int i = 0; i < IN_TRANSFERS; i++) libusb_cancel_transfer(in[i]);
  if (code != EXIT_DEVICE_GONE) {
    struct timeval tv = {0, 100000};
    libusb_handle_events_timeout_completed(ctx, &tv, NULL);
    libusb_release_interface(handle, data_iface);
  }
  /* The descriptor belongs to termux-usb's process; libusb_close on a wrapped handle leaves it open. */
  fflush(stderr);
  _exit(code);
}
