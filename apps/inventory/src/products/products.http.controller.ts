import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { AdminEndpoint, ZodBodyPipe } from '@platform/service-kit';
import { PutProductRequest, skuParam } from './product.request';
import { type ProductView, ProductsService } from './products.service';

@Controller('products')
export class ProductsHttpController {
  constructor(private readonly products: ProductsService) {}

  @Put(':sku')
  @AdminEndpoint()
  put(
    @Param('sku', new ZodBodyPipe(skuParam)) sku: string,
    @Body(new ZodBodyPipe(PutProductRequest)) body: PutProductRequest,
  ): Promise<ProductView> {
    return this.products.put(sku, body);
  }

  @Get(':sku')
  get(@Param('sku') sku: string): Promise<ProductView> {
    return this.products.get(sku);
  }
}
