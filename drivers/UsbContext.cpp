#include "drivers/UsbContext.h"

#include <libusb.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace drivers {

namespace {

bool parseHexId(std::string_view text, std::uint16_t& value) {
    if (text.empty() || text.size() > 4) {
        return false;
    }
    unsigned parsed = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed, 16);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return false;
    }
    value = static_cast<std::uint16_t>(parsed);
    return true;
}

}  // namespace

bool parseUsbSelector(std::string_view text, UsbSelector& selector, std::string& error) {
    const auto first = text.find(':');
    const auto second = first == std::string_view::npos ? first : text.find(':', first + 1);
    UsbSelector parsed;
    if (first == std::string_view::npos || !parseHexId(text.substr(0, first), parsed.vendor) ||
        !parseHexId(text.substr(first + 1, second == std::string_view::npos ? std::string_view::npos
                                                                            : second - first - 1),
                    parsed.product)) {
        error = "USB device '" + std::string(text) +
                "' is not vendor:product in hexadecimal (\"05e0:1200\", or \"05e0:1200:SERIAL\")";
        return false;
    }
    if (second != std::string_view::npos) {
        parsed.serial = std::string(text.substr(second + 1));
        if (parsed.serial.empty()) {
            error = "USB device '" + std::string(text) + "' ends with ':' but gives no serial";
            return false;
        }
    }
    selector = std::move(parsed);
    return true;
}

std::string toString(const UsbSelector& selector) {
    char ids[16];
    std::snprintf(ids, sizeof ids, "%04x:%04x", selector.vendor, selector.product);
    std::string text = ids;
    if (!selector.serial.empty()) {
        text += " serial " + selector.serial;
    }
    return text;
}

struct UsbContext::Impl {
    struct Watcher {
        std::uint16_t vendor;
        std::uint16_t product;
        HotplugHandler handler;
    };

    ~Impl() {
        if (context == nullptr) {
            return;
        }
        if (hotplugRegistered) {
            libusb_hotplug_deregister_callback(context, hotplugHandle);
        }
        stopping = 1;
        libusb_interrupt_event_handler(context);
        if (thread.joinable()) {
            thread.join();
        }
        libusb_exit(context);
    }

    static int LIBUSB_CALL onHotplug(libusb_context*, libusb_device* device,
                                     libusb_hotplug_event event, void* userData) {
        auto* self = static_cast<Impl*>(userData);
        libusb_device_descriptor descriptor{};
        if (libusb_get_device_descriptor(device, &descriptor) != LIBUSB_SUCCESS) {
            return 0;
        }
        const bool arrived = event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED;
        std::lock_guard lock(self->mutex);
        for (auto& [id, watcher] : self->watchers) {
            if (watcher.vendor == descriptor.idVendor && watcher.product == descriptor.idProduct) {
                watcher.handler(arrived, device);
            }
        }
        return 0;  // stay registered
    }

    libusb_context* context = nullptr;
    std::thread thread;
    int stopping = 0;  // libusb_handle_events_completed reads it as its "completed" flag
    bool hotplug = false;
    bool hotplugRegistered = false;
    libusb_hotplug_callback_handle hotplugHandle = 0;
    std::mutex mutex;
    std::map<unsigned long, Watcher> watchers;
    unsigned long nextId = 1;
};

UsbContext::UsbContext() : impl_(std::make_shared<Impl>()) {}

UsbContext::~UsbContext() = default;

std::shared_ptr<UsbContext> UsbContext::create(std::string& error) {
    std::shared_ptr<UsbContext> usb(new UsbContext());
    Impl& impl = *usb->impl_;
    if (const int rc = libusb_init(&impl.context); rc != LIBUSB_SUCCESS) {
        impl.context = nullptr;
        error = std::string("cannot start libusb: ") + libusb_strerror(rc);
        return nullptr;
    }
    impl.hotplug = libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) != 0;
    if (impl.hotplug) {
        const int rc = libusb_hotplug_register_callback(
            impl.context, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
            LIBUSB_HOTPLUG_NO_FLAGS, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
            LIBUSB_HOTPLUG_MATCH_ANY, &Impl::onHotplug, &impl, &impl.hotplugHandle);
        impl.hotplugRegistered = rc == LIBUSB_SUCCESS;
        impl.hotplug = impl.hotplugRegistered;
    }
    // The thread sleeps in poll() until a transfer completes, a device comes or goes, or the
    // destructor interrupts it.
    impl.thread = std::thread([&impl] {
        while (impl.stopping == 0) {
            libusb_handle_events_completed(impl.context, &impl.stopping);
        }
    });
    return usb;
}

libusb_context* UsbContext::get() const {
    return impl_->context;
}

bool UsbContext::hasHotplug() const {
    return impl_->hotplug;
}

std::unique_ptr<UsbContext::Subscription> UsbContext::watch(std::uint16_t vendor,
                                                            std::uint16_t product,
                                                            HotplugHandler onChange) {
    std::lock_guard lock(impl_->mutex);
    const unsigned long id = impl_->nextId++;
    impl_->watchers.emplace(id, Impl::Watcher{vendor, product, std::move(onChange)});
    return std::unique_ptr<Subscription>(new Subscription(impl_, id));
}

UsbContext::Subscription::~Subscription() {
    std::lock_guard lock(impl_->mutex);
    impl_->watchers.erase(id_);
}

}  // namespace drivers
