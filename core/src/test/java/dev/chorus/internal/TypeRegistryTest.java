package dev.chorus.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.chorus.EventKey;
import dev.chorus.EventType;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TypeRegistryTest {

  @EventType(value = "payments.payment-validated", topic = "payments")
  record PaymentValidated(@EventKey String paymentId, String orderId, long amountCents) {}

  @EventType("shipping.parcel-sent")
  record ParcelSent(String parcelId) {}

  @EventType(value = "stock.reserved", topic = "stock", version = 3)
  record StockReserved(String sku) {}

  record OrderPlaced(@EventKey String orderId) {}

  sealed interface OrderEvent permits OrderCreated, OrderCancelled, Amendment {}

  @EventType(value = "orders.created", topic = "orders")
  record OrderCreated(@EventKey String orderId) implements OrderEvent {}

  @EventType(value = "orders.cancelled", topic = "orders")
  record OrderCancelled(@EventKey String orderId) implements OrderEvent {}

  sealed interface Amendment extends OrderEvent permits AddressChanged, LinesChanged {}

  @EventType(value = "orders.address-changed", topic = "orders")
  record AddressChanged(@EventKey String orderId) implements Amendment {}

  abstract static sealed class LinesChanged implements Amendment permits LineAdded, LineRemoved {}

  @EventType(value = "orders.line-added", topic = "orders")
  static final class LineAdded extends LinesChanged {}

  @EventType(value = "orders.line-removed", topic = "orders")
  static final class LineRemoved extends LinesChanged {}

  static final class Clashing {
    @EventType("duplicate.name")
    record First(String id) {}

    @EventType("duplicate.name")
    record Second(String id) {}
  }

  @EventType("OrderPlaced")
  record ImpostorOrderPlaced(String orderId) {}

  record NumericKey(@EventKey long accountNumber, String name) {}

  static final class FieldKeyed {
    @EventKey private final String customerId;
    private final String name;

    FieldKeyed(String customerId, String name) {
      this.customerId = customerId;
      this.name = name;
    }

    String name() {
      return name;
    }
  }

  static class BaseWithKey {
    @EventKey protected String tenant = "acme";
  }

  static final class InheritsKey extends BaseWithKey {}

  static final class MethodKeyed {
    private final String region;
    private final int shard;

    MethodKeyed(String region, int shard) {
      this.region = region;
      this.shard = shard;
    }

    @EventKey
    String partitionKey() {
      return region + "/" + shard;
    }
  }

  static final class TwoKeyFields {
    @EventKey String first = "a";
    @EventKey String second = "b";
  }

  static final class FieldAndMethodKeys {
    @EventKey String first = "a";

    @EventKey
    String second() {
      return "b";
    }
  }

  static final class KeyMethodWithParameter {
    @EventKey
    String key(int shard) {
      return "k" + shard;
    }
  }

  static final class VoidKeyMethod {
    @EventKey
    void key() {}
  }

  record TwoKeyComponents(@EventKey String tenant, @EventKey String orderId) {}

  record ComponentAndMethodKeys(@EventKey String orderId, String region) {
    @EventKey
    String routingKey() {
      return region + ":" + orderId;
    }
  }

  record NoKey(String value) {}

  interface LooseEvent {}

  abstract static class AbstractEvent {}

  @EventType(value = "bad.topic", topic = "bad topic/with slash")
  record BadTopic(String id) {}

  @EventType("has space")
  record BadName(String id) {}

  @EventType(value = "versionless", version = 0)
  record BadVersion(String id) {}

  enum Colour { RED }

  private final TypeRegistry registry = new TypeRegistry();

  // --- names and topics ----------------------------------------------------------------------

  @Test
  void takesNameTopicAndVersionFromEventType() {
    EventTypeInfo info = registry.info(PaymentValidated.class);

    assertThat(info.type()).isEqualTo(PaymentValidated.class);
    assertThat(info.name()).isEqualTo("payments.payment-validated");
    assertThat(info.topic()).isEqualTo("payments");
    assertThat(info.version()).isEqualTo(1);
    assertThat(registry.info(StockReserved.class).version()).isEqualTo(3);
  }

  @Test
  void topicDefaultsToTheTypeName() {
    EventTypeInfo info = registry.info(ParcelSent.class);

    assertThat(info.name()).isEqualTo("shipping.parcel-sent");
    assertThat(info.topic()).isEqualTo("shipping.parcel-sent");
  }

  @Test
  void withoutEventTypeTheNameAndTopicAreTheSimpleName() {
    EventTypeInfo info = registry.info(OrderPlaced.class);

    assertThat(info.name()).isEqualTo("OrderPlaced");
    assertThat(info.topic()).isEqualTo("OrderPlaced");
    assertThat(info.version()).isEqualTo(1);
  }

  @Test
  void registersEachClassOnce() {
    assertThat(registry.info(PaymentValidated.class)).isSameAs(registry.info(PaymentValidated.class));
  }

  @Test
  void rejectsTwoClassesWithOneNameNamingBoth() {
    registry.info(Clashing.First.class);

    assertThatIllegalArgumentException().isThrownBy(() -> registry.info(Clashing.Second.class))
        .withMessage("event type name 'duplicate.name' is used by both " + Clashing.First.class.getName() + " and "
            + Clashing.Second.class.getName() + ": give one of them another @EventType name");
    assertThat(registry.info(Clashing.First.class).type()).isEqualTo(Clashing.First.class);
  }

  @Test
  void rejectsAnExplicitNameThatClashesWithASimpleName() {
    registry.info(OrderPlaced.class);

    assertThatIllegalArgumentException().isThrownBy(() -> registry.info(ImpostorOrderPlaced.class))
        .withMessageContaining(OrderPlaced.class.getName())
        .withMessageContaining(ImpostorOrderPlaced.class.getName());
  }

  @Test
  void rejectsAnInvalidTopic() {
    assertThatIllegalArgumentException().isThrownBy(() -> registry.info(BadTopic.class))
        .withMessage("topic of " + BadTopic.class.getName()
            + " must be 1 to 249 letters, digits, '.', '_' or '-': 'bad topic/with slash'");
  }

  @Test
  void rejectsAnInvalidTypeName() {
    assertThatIllegalArgumentException().isThrownBy(() -> registry.info(BadName.class))
        .withMessage("event type name of " + BadName.class.getName()
            + " must be 1 to 255 letters, digits or ._:/@+- characters: 'has space'");
  }

  @Test
  void rejectsAVersionBelowOne() {
    assertThatIllegalArgumentException().isThrownBy(() -> registry.info(BadVersion.class))
        .withMessage("version of " + BadVersion.class.getName() + " must be at least 1: 0");
  }

  @Test
  void rejectsInterfacesAbstractClassesAndEnumsAsEventTypes() {
    assertThatIllegalArgumentException().isThrownBy(() -> registry.info(LooseEvent.class))
        .withMessageStartingWith(LooseEvent.class.getName() + " is not an event type");
    assertThatIllegalArgumentException().isThrownBy(() -> registry.info(AbstractEvent.class))
        .withMessageStartingWith(AbstractEvent.class.getName() + " is not an event type");
    assertThatIllegalArgumentException().isThrownBy(() -> registry.info(Colour.class))
        .withMessageStartingWith(Colour.class.getName() + " is not an event type");
  }

  // --- subscriptions -------------------------------------------------------------------------

  @Test
  void subscriptionToAConcreteClassReceivesThatClassOnly() {
    Map<String, EventTypeInfo> types = registry.subscriptionTypes(PaymentValidated.class);

    assertThat(types).containsOnlyKeys("payments.payment-validated");
    assertThat(types.get("payments.payment-validated").type()).isEqualTo(PaymentValidated.class);
  }

  @Test
  void subscriptionToASealedInterfaceExpandsToEveryPermittedSubtypeRecursively() {
    Map<String, EventTypeInfo> types = registry.subscriptionTypes(OrderEvent.class);

    assertThat(types).containsOnlyKeys("orders.created", "orders.cancelled", "orders.address-changed",
        "orders.line-added", "orders.line-removed");
    assertThat(types.get("orders.created").type()).isEqualTo(OrderCreated.class);
    assertThat(types.get("orders.cancelled").type()).isEqualTo(OrderCancelled.class);
    assertThat(types.get("orders.address-changed").type()).isEqualTo(AddressChanged.class);
    assertThat(types.get("orders.line-added").type()).isEqualTo(LineAdded.class);
    assertThat(types.get("orders.line-removed").type()).isEqualTo(LineRemoved.class);
    assertThat(types.values()).extracting(EventTypeInfo::topic).containsOnly("orders");
    assertThat(registry.info(OrderCreated.class)).isSameAs(types.get("orders.created"));
  }

  @Test
  void subscriptionToANestedSealedInterfaceReceivesOnlyItsOwnSubtypes() {
    assertThat(registry.subscriptionTypes(Amendment.class)).containsOnlyKeys("orders.address-changed",
        "orders.line-added", "orders.line-removed");
  }

  @Test
  void rejectsSubscriptionToANonSealedInterface() {
    assertThatIllegalArgumentException().isThrownBy(() -> registry.subscriptionTypes(LooseEvent.class))
        .withMessageStartingWith(LooseEvent.class.getName() + " is abstract or an interface but not sealed");
  }

  @Test
  void rejectsSubscriptionToANonSealedAbstractClass() {
    assertThatIllegalArgumentException().isThrownBy(() -> registry.subscriptionTypes(AbstractEvent.class))
        .withMessageStartingWith(AbstractEvent.class.getName() + " is abstract or an interface but not sealed");
  }

  // --- keys ----------------------------------------------------------------------------------

  @Test
  void readsTheKeyFromARecordComponent() {
    EventTypeInfo info = registry.info(PaymentValidated.class);

    assertThat(info.keyOf(new PaymentValidated("p-17", "o-1", 100))).isEqualTo("p-17");
    assertThat(info.keyOf(new PaymentValidated(null, "o-1", 100))).isNull();
  }

  @Test
  void convertsANonStringKeyWithStringValueOf() {
    assertThat(registry.info(NumericKey.class).keyOf(new NumericKey(4_200_000_001L, "n"))).isEqualTo("4200000001");
  }

  @Test
  void readsTheKeyFromAPrivateField() {
    assertThat(registry.info(FieldKeyed.class).keyOf(new FieldKeyed("c-9", "Ada"))).isEqualTo("c-9");
  }

  @Test
  void readsTheKeyFromAFieldOfASuperclass() {
    assertThat(registry.info(InheritsKey.class).keyOf(new InheritsKey())).isEqualTo("acme");
  }

  @Test
  void readsTheKeyFromANoArgumentMethod() {
    assertThat(registry.info(MethodKeyed.class).keyOf(new MethodKeyed("eu", 3))).isEqualTo("eu/3");
  }

  @Test
  void anEventWithoutEventKeyHasNoKey() {
    EventTypeInfo info = registry.info(NoKey.class);

    assertThat(info.keyAccessor()).isNull();
    assertThat(info.keyOf(new NoKey("v"))).isNull();
  }

  @Test
  void rejectsTwoEventKeyFields() {
    assertThatIllegalArgumentException().isThrownBy(() -> registry.info(TwoKeyFields.class))
        .withMessageStartingWith(TwoKeyFields.class.getName() + " has 2 @EventKey members")
        .withMessageEndingWith(": at most one is allowed");
  }

  @Test
  void rejectsAnEventKeyFieldAndAnEventKeyMethod() {
    assertThatIllegalArgumentException().isThrownBy(() -> registry.info(FieldAndMethodKeys.class))
        .withMessageStartingWith(FieldAndMethodKeys.class.getName() + " has 2 @EventKey members")
        .withMessageContaining("first")
        .withMessageContaining("second()");
  }

  @Test
  void rejectsTwoEventKeyRecordComponents() {
    assertThatIllegalArgumentException().isThrownBy(() -> registry.info(TwoKeyComponents.class))
        .withMessageStartingWith(TwoKeyComponents.class.getName() + " has 2 @EventKey members")
        .withMessageEndingWith(": at most one is allowed");
  }

  /**
   * {@link EventKey}: "At most one member of a class may carry this annotation." A record with an
   * {@code @EventKey} component never has its methods scanned, so a second key silently loses.
   */
  @Test
  void rejectsARecordWithAnEventKeyComponentAndAnEventKeyMethod() {
    assertThatIllegalArgumentException().isThrownBy(() -> registry.info(ComponentAndMethodKeys.class))
        .withMessageStartingWith(ComponentAndMethodKeys.class.getName() + " has 2 @EventKey members")
        .withMessageEndingWith(": at most one is allowed");
  }

  @Test
  void rejectsAnEventKeyMethodWithParameters() {
    assertThatIllegalArgumentException().isThrownBy(() -> registry.info(KeyMethodWithParameter.class))
        .withMessage("@EventKey method " + KeyMethodWithParameter.class.getName()
            + ".key must be an instance method with no parameters that returns the key");
  }

  @Test
  void rejectsAVoidEventKeyMethod() {
    assertThatIllegalArgumentException().isThrownBy(() -> registry.info(VoidKeyMethod.class))
        .withMessage("@EventKey method " + VoidKeyMethod.class.getName()
            + ".key must be an instance method with no parameters that returns the key");
  }
}
