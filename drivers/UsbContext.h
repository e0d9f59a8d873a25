// One libusb context for the whole process, with the thread that handles its events and the
// hotplug notices (arrived, left) that every USB driver subscribes to by vendor and product.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

struct libusb_context;
struct libusb_device;

namespace drivers {

// Which USB device a driver wants: vendor and product, and the serial number when two alike
// are plugged into one PC.
struct UsbSelector {
    std::uint16_t vendor = 0;
    std::uint16_t product = 0;
    std::string serial;  // empty: the first device with this vendor and product
};

// "05e0:1200" or "05e0:1200:S123" (hexadecimal ids). On failure returns false and says why.
bool parseUsbSelector(std::string_view text, UsbSelector& selector, std::string& error);
std::string toString(const UsbSelector& selector);  // "05e0:1200" or "05e0:1200 serial S123"

// libusb's event handling runs on a thread of its own that sleeps in poll() inside
// libusb_handle_events. Transfer completions and hotplug notices arrive there; the drivers
// copy what they need and post it to their io_context. Why a thread rather than libusb's
// pollfds on the io_context: libusb changes its set of descriptors as devices open and close
// and keeps timers of its own, and a usbfs node emulated by umockdev is a plain file that
// epoll refuses. The thread costs nothing while the devices are quiet.
class UsbContext {
  public:
    // Starts libusb and its event thread. Returns null, with the reason in `error`, when libusb
    // cannot start (no usbfs in a container, for instance).
    static std::shared_ptr<UsbContext> create(std::string& error);
    ~UsbContext();
    UsbContext(const UsbContext&) = delete;
    UsbContext& operator=(const UsbContext&) = delete;

    libusb_context* get() const;
    // False where libusb cannot report plugging (no udev or netlink): drivers then look for
    // their device again on a timer while it is missing.
    bool hasHotplug() const;

    // `onChange(arrived)` is called on the event thread, with libusb's device, whenever a device
    // with this vendor and product arrives or leaves; it must only copy and post. The
    // subscription ends when the returned object is destroyed (no call is running after that).
    using HotplugHandler = std::function<void(bool arrived, libusb_device* device)>;
    class Subscription;
    std::unique_ptr<Subscription> watch(std::uint16_t vendor, std::uint16_t product,
                                        HotplugHandler onChange);

  private:
    UsbContext();
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

class UsbContext::Subscription {
  public:
    ~Subscription();
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

  private:
    friend class UsbContext;
    Subscription(std::shared_ptr<UsbContext::Impl> impl, unsigned long id)
        : impl_(std::move(impl)), id_(id) {}
    std::shared_ptr<UsbContext::Impl> impl_;
    unsigned long id_;
};

}  // namespace drivers
