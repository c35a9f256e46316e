package dev.chorus.examples.saga;

import dev.chorus.EventBus;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The customer check: for every new contract it asks the credit bureau about the customer and
 * announces whether the customer passed (a known customer with a score of at least 600).
 */
final class CustomerCheckService {

  /** The lowest credit score that passes. */
  static final int MINIMUM_SCORE = 600;

  private final EventBus bus;
  private final String group;
  private final CreditBureau bureau;

  CustomerCheckService(EventBus bus, String group, CreditBureau bureau) {
    this.bus = Objects.requireNonNull(bus, "bus");
    this.group = Objects.requireNonNull(group, "group");
    this.bureau = Objects.requireNonNull(bureau, "bureau");
  }

  void start() {
    bus.subscribe(ContractCreated.class)
        .group(group)
        .handle((contract, ctx) -> {
          OptionalInt score = bureau.score(contract.customerId());
          if (score.isEmpty()) {
            ctx.publish(new CustomerCheckFailed(contract.contractId(), contract.customerId(),
                "the credit bureau cannot identify " + contract.customerId()));
          } else if (score.getAsInt() < MINIMUM_SCORE) {
            ctx.publish(new CustomerCheckFailed(contract.contractId(), contract.customerId(),
                "credit score " + score.getAsInt() + " is below " + MINIMUM_SCORE));
          } else {
            ctx.publish(new CustomerCheckPassed(contract.contractId(), contract.customerId(), score.getAsInt()));
          }
        });
  }
}
